using ProtSt.Grains;

namespace ProtSt.Silo.Api;

/// <summary>
/// Reads jobs for the view, the API and the metrics: finished ones from the registry, running ones from their
/// aggregators, and a job still planning (no aggregator yet) from its coordinator.
/// </summary>
public sealed class JobReader(IGrainFactory grains)
{
    private IJobRegistryGrain Registry => grains.GetGrain<IJobRegistryGrain>(0);

    /// <summary>The job's latest figures, or null when no aggregator, registry or coordinator knows the id.</summary>
    public async Task<JobSnapshot?> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        if (await Registry.FindAsync(jobId).WaitAsync(cancellationToken) is { Final: { } final })
        {
            return final;
        }

        var snapshot = await grains.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync().WaitAsync(cancellationToken);
        if (snapshot.StartedAt is not null)
        {
            return snapshot;
        }

        // Planning (a large input, or one refused late) answers too: the 202's Location must not say 404 meanwhile.
        return await grains.GetGrain<IJobCoordinatorGrain>(jobId).GetStatusAsync().WaitAsync(cancellationToken) is { } status ? Planning(status) : null;
    }

    /// <summary>Every listed job, newest first.</summary>
    public async Task<IReadOnlyList<JobSnapshot>> ListAsync(CancellationToken cancellationToken)
    {
        var listings = await Registry.GetJobsAsync().WaitAsync(cancellationToken);
        return await Task.WhenAll(listings.Select(l => l.Final is { } final ? Task.FromResult(final) : grains.GetGrain<IJobFiguresAggregatorGrain>(l.JobId).GetSnapshotAsync()))
            .WaitAsync(cancellationToken);
    }

    private static JobSnapshot Planning(JobStatus status) => new(
        status.JobId, status.Final, status.Rows, status.Failures, 0, 0, 0, 0, (status.FinishedAt ?? DateTimeOffset.UtcNow) - status.SubmittedAt, 0, 0, 0,
        status.Records > 0 ? status.Records : null, null, [], null, status.Spec.Input, status.Spec.Model, status.SubmittedAt,
        State: JobStates.Of(status.Phase), Error: status.Error);
}
