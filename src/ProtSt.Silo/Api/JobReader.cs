using Microsoft.Extensions.Options;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.Api;

/// <summary>
/// Reads jobs for the view, the API and the metrics: finished ones from the registry, running ones from their
/// aggregators, and a job still planning (no aggregator yet) from its coordinator. Each read outlives a silo that just
/// died (<see cref="ClusterCall"/>, for <see cref="MonitoringOptions.ReadRetryFor"/>).
/// </summary>
public sealed class JobReader(IGrainFactory grains, IOptions<ScreenOptions> screen, IOptions<MonitoringOptions> monitoring)
{
    private IJobRegistryGrain Registry => grains.GetGrain<IJobRegistryGrain>(0);

    /// <summary>The job's latest figures, or null when no aggregator, registry or coordinator knows the id.</summary>
    public async Task<JobSnapshot?> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        if (await RetryAsync(() => Registry.FindAsync(jobId), $"reading job {jobId}", cancellationToken) is { Final: { } final })
        {
            return final;
        }

        var snapshot = await RetryAsync(() => grains.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync(), $"reading job {jobId}'s figures", cancellationToken);
        if (snapshot.StartedAt is not null)
        {
            return snapshot;
        }

        // Planning (a large input, or one refused late) answers too: the 202's Location must not say 404 meanwhile.
        return await StatusAsync(jobId, cancellationToken) is { } status ? Planning(status) : null;
    }

    /// <summary>The job's status from its coordinator (its spec, phase and output), or null for an unknown id.</summary>
    public Task<JobStatus?> StatusAsync(string jobId, CancellationToken cancellationToken) =>
        RetryAsync(() => grains.GetGrain<IJobCoordinatorGrain>(jobId).GetStatusAsync(), $"reading job {jobId}'s status", cancellationToken);

    /// <summary>Every listed job, newest first.</summary>
    public async Task<IReadOnlyList<JobSnapshot>> ListAsync(CancellationToken cancellationToken)
    {
        var listings = await RetryAsync(() => Registry.GetJobsAsync(), "listing jobs", cancellationToken);
        return await Task.WhenAll(listings.Select(l => l.Final is { } final
            ? Task.FromResult(final)
            : RetryAsync(() => grains.GetGrain<IJobFiguresAggregatorGrain>(l.JobId).GetSnapshotAsync(), $"reading job {l.JobId}'s figures", cancellationToken)));
    }

    private Task<T> RetryAsync<T>(Func<Task<T>> call, string what, CancellationToken cancellationToken) =>
        ClusterCall.RetryAsync(call, screen.Value.ControlCallTimeout, monitoring.Value.ReadRetryFor, what, cancellationToken);

    private static JobSnapshot Planning(JobStatus status) => new(
        status.JobId, status.Final, status.Rows, status.Failures, 0, 0, 0, 0, (status.FinishedAt ?? DateTimeOffset.UtcNow) - status.SubmittedAt, 0, 0, 0,
        status.Records > 0 ? status.Records : null, null, [], null, status.Spec.Input, status.Spec.Model, status.SubmittedAt,
        State: JobStates.Of(status.Phase), Error: status.Error);
}
