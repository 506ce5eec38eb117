namespace ProtSt.Grains;

/// <summary>One row per record of the shard, in the shard's input order.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardResult([property: Id(0)] int ShardIndex, [property: Id(1)] IReadOnlyList<ShardRow> Rows, [property: Id(2)] int DistinctSequences);
