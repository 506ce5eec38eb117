namespace ProtSt.Grains;

/// <summary>A padded batch of token ids for one device: row-major [BatchSize, SequenceLength].</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceBatch(
    [property: Id(0)] string JobId,
    [property: Id(1)] string ModelDirectory,
    [property: Id(2)] long[] InputIds,
    [property: Id(3)] long[] AttentionMask,
    [property: Id(4)] int BatchSize,
    [property: Id(5)] int SequenceLength);
