using System.Diagnostics;
using ProtSt.Grains;

namespace ProtSt.Client;

/// <summary>
/// Follows a job in the cluster until it ends: its status from the coordinator, its figures from the aggregator. The
/// watcher holds nothing of the job, so killing it loses nothing. It tells a lost cluster (no silo answers a ping for
/// <see cref="JobClientOptions.ClusterLostAfter"/>) from a coordinator that is moving to another silo (the ping answers).
/// </summary>
public sealed class JobWatcher(IGrainFactory grains, JobClientOptions options)
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Waits for the job to end; <paramref name="onProgress"/> sees each status and the latest figures.</summary>
    public async Task<(JobStatus Status, JobSnapshot? Snapshot)> WatchAsync(string jobId, Action<JobStatus, JobSnapshot?>? onProgress, CancellationToken cancellationToken)
    {
        var job = grains.GetGrain<IJobCoordinatorGrain>(jobId);
        var figures = grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
        var lastAnswer = Stopwatch.StartNew();
        while (true)
        {
            JobStatus? status = null;
            try
            {
                status = await job.GetStatusAsync().WaitAsync(options.ControlCallTimeout, cancellationToken)
                    ?? throw new InvalidOperationException($"The cluster knows no job '{jobId}'.");
                lastAnswer.Restart();
            }
            catch (Exception e) when (e is not OperationCanceledException and not InvalidOperationException)
            {
                await CheckClusterAsync(jobId, lastAnswer, cancellationToken);
            }

            if (status is not null)
            {
                var snapshot = status.Final || onProgress is not null ? await SnapshotAsync(figures, cancellationToken) : null;
                if (status.Final)
                {
                    return (status, snapshot);
                }

                onProgress?.Invoke(status, snapshot);
            }

            await Task.Delay(options.WatchInterval, cancellationToken);
        }
    }

    // The coordinator did not answer: if no silo answers either for long enough, the cluster is gone.
    private async Task CheckClusterAsync(string jobId, Stopwatch lastAnswer, CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IClusterPingGrain>(0).PingAsync().WaitAsync(PingTimeout, cancellationToken);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (lastAnswer.Elapsed >= options.ClusterLostAfter)
            {
                throw new ClusterLostException(
                    $"lost the cluster: no silo has answered for {lastAnswer.Elapsed.TotalSeconds:F0} s ({e.GetType().Name}); job {jobId} is kept in the cluster's storage and continues when its silos are back (follow it with protst attach {jobId}).",
                    e);
            }
        }
    }

    private async Task<JobSnapshot?> SnapshotAsync(IJobFiguresAggregatorGrain figures, CancellationToken cancellationToken)
    {
        try
        {
            return await figures.GetSnapshotAsync().WaitAsync(options.ControlCallTimeout, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The aggregator's silo may have died; the figures come back, the job does not depend on them.
            return null;
        }
    }
}
