namespace ProtSt.Grains.Jobs;

/// <summary>Where one shard of a job stands: its plan, the attempts made at it, and, once its part is whole, what the part holds.</summary>
[GenerateSerializer]
public sealed class ShardState
{
    [Id(0)]
    public required PlannedShard Plan { get; init; }

    [Id(1)]
    public int Attempts { get; set; }

    [Id(2)]
    public bool Done { get; set; }

    [Id(3)]
    public int Rows { get; set; }

    [Id(4)]
    public int Failures { get; set; }

    [Id(5)]
    public int Computed { get; set; }

    /// <summary>The silo running the current attempt, for the job's status.</summary>
    [Id(6)]
    public string? Silo { get; set; }
}
