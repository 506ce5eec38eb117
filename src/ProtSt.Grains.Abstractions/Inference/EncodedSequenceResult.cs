namespace ProtSt.Grains;

/// <summary>
/// One sequence of an <see cref="EncodeRequest"/>: its residue count before truncation, whether it was cut, its mean
/// residue embedding and the model head's output (null without a head), or why it has none (<see cref="Error"/>: not a
/// protein sequence, or the devices failed on it alone).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EncodedSequenceResult(
    [property: Id(0)] int Length,
    [property: Id(1)] bool Truncated,
    [property: Id(2)] float[]? Embedding,
    [property: Id(3)] float[]? Head,
    [property: Id(4)] string? Error = null);
