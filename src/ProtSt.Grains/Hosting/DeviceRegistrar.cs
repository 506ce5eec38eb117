using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Devices;

namespace ProtSt.Grains.Hosting;

/// <summary>Announces this silo's devices to the directory when the silo becomes active, and again every few seconds.</summary>
internal sealed class DeviceRegistrar(IGrainFactory grains, ILocalSiloDetails silo, IOptions<DeviceOptions> options, ILogger<DeviceRegistrar> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private PeriodicAnnouncement? _announcement;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceRegistrar), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _announcement = new PeriodicAnnouncement(
            () => grains.GetGrain<IDeviceDirectoryGrain>(0).RegisterAsync(silo.SiloAddress.ToParsableString(), options.Value.Count),
            logger);
        return _announcement.StartAsync();
    }

    private Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _announcement?.DisposeAsync() ?? ValueTask.CompletedTask;
}
