using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>
/// A padded batch of token ids for one device: row-major [BatchSize, SequenceLength]; <see cref="Weight"/> is its job's
/// priority, which the device's fair queue divides the batch's cost (padded tokens) by; <see cref="Outputs"/> is what the
/// batch must produce (null: <see cref="OutputRequest.Default"/>, the mean embeddings and the head's outputs).
/// <see cref="Online"/> batches carry sequences a caller is waiting for: the device serves them before queued job batches.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceBatch(
    [property: Id(0)] string JobId,
    [property: Id(1)] string ModelDirectory,
    [property: Id(2)] long[] InputIds,
    [property: Id(3)] long[] AttentionMask,
    [property: Id(4)] int BatchSize,
    [property: Id(5)] int SequenceLength,
    [property: Id(6)] int Weight = JobSharing.DefaultPriority,
    [property: Id(7)] OutputRequest? Outputs = null,
    [property: Id(8)] bool Online = false);
