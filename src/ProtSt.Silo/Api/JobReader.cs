using ProtSt.Grains;

namespace ProtSt.Silo.Api;

/// <summary>Reads jobs for the view, the API and the metrics: finished ones from the registry, running ones from their aggregators.</summary>
public sealed class JobReader(IGrainFactory grains)
{
    private IJobRegistryGrain Registry => grains.GetGrain<IJobRegistryGrain>(0);

    /// <summary>The job's latest figures, or null when no aggregator or registry knows the id.</summary>
    public async Task<JobSnapshot?> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        if (await Registry.FindAsync(jobId).WaitAsync(cancellationToken) is { Final: { } final })
        {
            return final;
        }

        var snapshot = await grains.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync().WaitAsync(cancellationToken);
        return snapshot.StartedAt is null ? null : snapshot;
    }

    /// <summary>Every listed job, newest first.</summary>
    public async Task<IReadOnlyList<JobSnapshot>> ListAsync(CancellationToken cancellationToken)
    {
        var listings = await Registry.GetJobsAsync().WaitAsync(cancellationToken);
        return await Task.WhenAll(listings.Select(l => l.Final is { } final ? Task.FromResult(final) : grains.GetGrain<IJobFiguresAggregatorGrain>(l.JobId).GetSnapshotAsync()))
            .WaitAsync(cancellationToken);
    }
}
