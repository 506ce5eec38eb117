namespace ProtSt.Grains;

/// <summary>
/// The result for one input record: its mean embedding; for ProtST models its projected feature; its scores (zero-shot:
/// exp(logit_scale)·cosine per label; classifier: class probabilities); or the reason it has none: <see cref="Error"/>
/// for an invalid record (the job's --on-invalid policy applies), <see cref="DeviceError"/> for a sequence the devices
/// failed on even alone (reported, never retried further). <see cref="Windows"/> is how many windows a protein took under
/// <c>--long window</c> (1 otherwise).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardRow(
    [property: Id(0)] string Id,
    [property: Id(1)] int Length,
    [property: Id(2)] bool Truncated,
    [property: Id(3)] float[]? Embedding,
    [property: Id(4)] string? Error,
    [property: Id(5)] float[]? Feature = null,
    [property: Id(6)] float[]? Scores = null,
    [property: Id(7)] string? DeviceError = null,
    [property: Id(8)] int Windows = 1);
