namespace ProtSt.Grains.Jobs;

/// <summary>One shard of a job's plan: its records (from <see cref="FirstRecord"/>), how many it computes, and the earlier shards whose rows it repeats.</summary>
[GenerateSerializer, Immutable]
public sealed record PlannedShard(
    [property: Id(0)] int Index,
    [property: Id(1)] long FirstRecord,
    [property: Id(2)] int Records,
    [property: Id(3)] int Distinct,
    [property: Id(4)] int[] Repeats);
