using Microsoft.Extensions.Logging;
using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Every few seconds, from every silo, wakes each unfinished job's coordinator: after the coordinator's silo died, or
/// after every silo was stopped and started again with the grain storage kept, the job continues from its state.
/// Waking a running coordinator costs one short call.
/// </summary>
internal sealed class JobWaker(IGrainFactory grains, ILogger<JobWaker> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private PeriodicAnnouncement? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(JobWaker), ServiceLifecycleStage.Active, StartAsync, _ => DisposeAsync().AsTask());

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = new PeriodicAnnouncement(WakeAllAsync, logger);
        return _loop.StartAsync();
    }

    private async Task WakeAllAsync()
    {
        IReadOnlyList<string> unfinished;
        try
        {
            unfinished = await grains.GetGrain<IJobIndexGrain>(0).UnfinishedAsync().WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The index's silo may be gone or the storage not yet reachable; the next round asks again.
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug(e, "Could not list unfinished jobs");
            }
            return;
        }

        foreach (var job in unfinished)
        {
            try
            {
                await grains.GetGrain<IJobCoordinatorGrain>(job).WakeAsync().WaitAsync(CallTimeout);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.LogDebug(e, "Could not wake job {Job}", job);
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _loop?.DisposeAsync() ?? ValueTask.CompletedTask;
}
