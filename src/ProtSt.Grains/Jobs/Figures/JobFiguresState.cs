namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// What <see cref="JobFiguresAggregatorGrain"/> keeps in grain storage, so an aggregator activated elsewhere after its silo died starts
/// from these figures and the silos' next cumulative reports bring it up to date: the start, each source's latest
/// figures, the shards counted, rows, failures, the confusion matrix, the throughput series and the end.
/// </summary>
[GenerateSerializer]
public sealed class JobFiguresState
{
    [Id(0)]
    public JobStart? Start { get; set; }

    [Id(1)]
    public DateTimeOffset? StartedAt { get; set; }

    [Id(2)]
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The latest cumulative report of each source (a silo's accumulator entry, or the per-call reports).</summary>
    [Id(3)]
    public Dictionary<string, JobFiguresReport> Sources { get; set; } = new(StringComparer.Ordinal);

    [Id(4)]
    public HashSet<int> ShardsCounted { get; set; } = [];

    [Id(5)]
    public long Rows { get; set; }

    [Id(6)]
    public long FailedRows { get; set; }

    /// <summary>True class by predicted class, when the job has class names.</summary>
    [Id(7)]
    public long[][]? Confusion { get; set; }

    [Id(8)]
    public ThroughputSeriesState? Series { get; set; }

    /// <summary>Figure reports received for the job, over all its aggregator's activations.</summary>
    [Id(9)]
    public long Calls { get; set; }

    /// <summary>How the job ended (completed, failed, cancelled), once it did.</summary>
    [Id(10)]
    public string? FinalState { get; set; }

    [Id(11)]
    public string? Error { get; set; }
}
