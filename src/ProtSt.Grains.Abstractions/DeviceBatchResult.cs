namespace ProtSt.Grains;

/// <summary>Mean residue embeddings of a batch, row-major [BatchSize, HiddenSize], and how long the device worked on it.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceBatchResult(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] int HiddenSize,
    [property: Id(2)] float[] MeanEmbeddings,
    [property: Id(3)] TimeSpan Busy);
