namespace ProtSt.Grains;

/// <summary>One input record as a shard receives it.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardRecord([property: Id(0)] string Id, [property: Id(1)] string Sequence, [property: Id(2)] string SourceFile, [property: Id(3)] long Line);
