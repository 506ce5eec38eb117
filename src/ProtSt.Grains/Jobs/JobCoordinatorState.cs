namespace ProtSt.Grains.Jobs;

/// <summary>What <see cref="JobCoordinatorGrain"/> keeps in grain storage: the spec, the resolved task, the plan and each shard's state, and the outcome.</summary>
[GenerateSerializer]
public sealed class JobCoordinatorState
{
    [Id(0)]
    public JobSpec? Spec { get; set; }

    [Id(1)]
    public JobPhase Phase { get; set; }

    [Id(2)]
    public ResolvedTask? Task { get; set; }

    [Id(3)]
    public List<ShardState> Shards { get; set; } = [];

    [Id(4)]
    public long Records { get; set; }

    [Id(5)]
    public long Skipped { get; set; }

    [Id(6)]
    public List<string> SkippedSamples { get; set; } = [];

    [Id(7)]
    public long Repeats { get; set; }

    [Id(8)]
    public string? Error { get; set; }

    [Id(9)]
    public DateTimeOffset SubmittedAt { get; set; }

    [Id(10)]
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Records in parts a previous run of this job left whole, taken over rather than computed again.</summary>
    [Id(11)]
    public long Reused { get; set; }

    [Id(12)]
    public string? ModelManifestSha256 { get; set; }

    [Id(13)]
    public string? InputSha256 { get; set; }
}
