using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>The aggregator of one job: counts, per-device figures and throughput, fed by shards, read as snapshots.</summary>
public interface IJobFiguresAggregatorGrain : IGrainWithStringKey
{
    Task StartAsync(JobStart start);

    /// <summary>
    /// A silo's cumulative figures for this job (what the silo's accumulator sends once per report interval); answers
    /// the version of that source the aggregator has stored durably, so the silo sends it again until it is stored.
    /// </summary>
    Task<long> ReportFiguresAsync(JobFiguresReport report);

    /// <summary>
    /// A submitted job's finished shard: its rows, device failures and (true, predicted) class pairs. Counted once per
    /// shard, so the coordinator may send it again after it or this grain moved.
    /// </summary>
    Task RecordShardAsync(int shard, int rows, int failed, int[] actual, int[] predicted);

    /// <summary>The job completed; the same as <see cref="FinishAsync"/> with "completed".</summary>
    Task CompleteAsync();

    /// <summary>The job ended: <paramref name="state"/> is completed, failed or cancelled, <paramref name="reason"/> why it failed or was cancelled.</summary>
    Task FinishAsync(string state, string? reason);

    [AlwaysInterleave]
    Task<JobSnapshot> GetSnapshotAsync();
}
