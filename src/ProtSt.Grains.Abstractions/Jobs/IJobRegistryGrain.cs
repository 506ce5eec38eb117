using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>
/// The cluster's list of recent jobs (with the final figures of finished ones, which outlive their aggregators) and of
/// the addresses where silo hosts serve the job view. Key 0; kept in memory.
/// </summary>
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    Task AddAsync(JobListing listing);

    Task CompleteAsync(JobSnapshot final);

    /// <summary>Newest first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<JobListing>> GetJobsAsync();

    [AlwaysInterleave]
    Task<JobListing?> FindAsync(string jobId);

    Task RegisterViewAsync(string siloAddress, string url);

    /// <summary>The job view addresses of silo hosts that are active members now.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> GetViewsAsync();
}
