namespace ProtSt.Grains;

/// <summary>The result for one input record: its embedding, or the reason it has none.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardRow(
    [property: Id(0)] string Id,
    [property: Id(1)] int Length,
    [property: Id(2)] bool Truncated,
    [property: Id(3)] float[]? Embedding,
    [property: Id(4)] string? Error);
