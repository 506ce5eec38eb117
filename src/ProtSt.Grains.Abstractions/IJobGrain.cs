using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>The aggregator of one job: counts, per-device figures and throughput, fed by shards, read as snapshots.</summary>
public interface IJobGrain : IGrainWithStringKey
{
    Task StartAsync(JobStart start);

    [OneWay]
    Task ReportAsync(BatchReport report);

    Task RecordRowsAsync(int rows, int failed);

    Task CompleteAsync();

    [AlwaysInterleave]
    Task<JobSnapshot> GetSnapshotAsync();
}
