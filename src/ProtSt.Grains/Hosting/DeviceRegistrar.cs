using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;

namespace ProtSt.Grains.Hosting;

/// <summary>
/// Announces this silo's devices to the directory when the silo becomes active, and again every few seconds; when the
/// silo leaves gracefully it takes them off the directory and drains them before the silo goes on to stop.
/// </summary>
internal sealed class DeviceRegistrar(
    IGrainFactory grains, ILocalSiloDetails silo, IOptions<DeviceOptions> options, IOptions<ScreenOptions> screen, DeviceDrain drain, ILogger<DeviceRegistrar> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private static readonly TimeSpan UnregisterTimeout = TimeSpan.FromSeconds(5);

    private PeriodicAnnouncement? _announcement;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceRegistrar), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _announcement = new PeriodicAnnouncement(
            () => grains.GetGrain<IDeviceDirectoryGrain>(0).RegisterAsync(silo.SiloAddress.ToParsableString(), options.Value.Count, screen.Value.MaxTokensPerBatch),
            logger);
        return _announcement.StartAsync();
    }

    // The Active stage stops first, while the silo is still a full member: batches running here can still deliver their
    // results to shards elsewhere. Order matters: no more announcements, refuse new batches, leave the directory, wait.
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await DisposeAsync();
        var drained = drain.DrainAsync(options.Value.DrainTimeout, cancellationToken);
        try
        {
            await grains.GetGrain<IDeviceDirectoryGrain>(0).UnregisterAsync(silo.SiloAddress.ToParsableString()).WaitAsync(UnregisterTimeout, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Shards that still pick these devices are refused and move the batch: slower, never wrong.
            logger.LogWarning(e, "Could not take this silo's devices off the directory while leaving");
        }

        if (!await drained)
        {
            logger.LogWarning("Batches still running after {Timeout} of draining; they will be computed again elsewhere", options.Value.DrainTimeout);
        }
    }

    public ValueTask DisposeAsync() => _announcement?.DisposeAsync() ?? ValueTask.CompletedTask;
}
