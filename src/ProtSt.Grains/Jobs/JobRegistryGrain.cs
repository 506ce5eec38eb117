using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Recent jobs and the silo hosts' view addresses, in memory. If its silo dies the registry starts again empty
/// elsewhere: jobs started before are no longer listed, and silo hosts announce their views again on their next tick.
/// </summary>
internal sealed class JobRegistryGrain(IClusterMembershipService membership) : Grain, IJobRegistryGrain
{
    // Enough for a day of screens on a busy cluster; finished jobs beyond it are forgotten oldest first.
    private const int Capacity = 200;

    private readonly Dictionary<string, JobListing> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _viewsBySilo = new(StringComparer.Ordinal);

    public Task AddAsync(JobListing listing)
    {
        _jobs[listing.JobId] = listing;
        Trim();
        return Task.CompletedTask;
    }

    public Task CompleteAsync(JobSnapshot final)
    {
        _jobs[final.JobId] = _jobs.TryGetValue(final.JobId, out var listing)
            ? listing with { Final = final }
            : new JobListing(final.JobId, final.Input ?? string.Empty, final.StartedAt ?? DateTimeOffset.UtcNow, final);
        Trim();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JobListing>> GetJobsAsync() =>
        Task.FromResult<IReadOnlyList<JobListing>>([.. _jobs.Values.OrderByDescending(j => j.StartedAt)]);

    public Task<JobListing?> FindAsync(string jobId) => Task.FromResult(_jobs.GetValueOrDefault(jobId));

    public Task RegisterViewAsync(string siloAddress, string url)
    {
        _viewsBySilo[siloAddress] = url;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetViewsAsync()
    {
        var active = ActiveSilos.Of(membership);
        IReadOnlyList<string> views = [.. _viewsBySilo.Where(v => active.Contains(v.Key)).Select(v => v.Value).Order(StringComparer.Ordinal)];
        return Task.FromResult(views);
    }

    private void Trim()
    {
        var excess = _jobs.Count - Capacity;
        foreach (var old in _jobs.Values.Where(j => j.Final is not null).OrderBy(j => j.StartedAt).Take(Math.Max(0, excess)).ToList())
        {
            _jobs.Remove(old.JobId);
        }
    }
}
