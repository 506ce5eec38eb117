namespace ProtSt.Grains;

/// <summary>
/// Mean residue embeddings of a batch, row-major [BatchSize, HiddenSize]; the model's head output when it has one
/// (ProtST's projected feature, or a classifier's probabilities), row-major [BatchSize, HeadWidth]; and how long the
/// device worked on it, and on what (its accelerator: <c>CPU</c>, or <c>CUDA:i</c> and the GPU's name).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceBatchResult(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] int HiddenSize,
    [property: Id(2)] float[] MeanEmbeddings,
    [property: Id(3)] TimeSpan Busy,
    [property: Id(4)] int HeadWidth = 0,
    [property: Id(5)] float[]? HeadOutputs = null,
    [property: Id(6)] string Accelerator = "");
