using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Devices;

namespace ProtSt.Grains.Hosting;

/// <summary>
/// Announces this silo's devices to the directory when the silo becomes active, and again every few seconds: the
/// directory keeps its list in memory, so if its silo dies it is re-activated elsewhere empty and refills from these.
/// </summary>
internal sealed class DeviceRegistrar(IGrainFactory grains, ILocalSiloDetails silo, IOptions<DeviceOptions> options, ILogger<DeviceRegistrar> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceRegistrar), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public void Dispose() => _stopping.Dispose();

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await RegisterAsync();
        _loop = Task.Run(RefreshAsync, CancellationToken.None);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    private async Task RefreshAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    await RegisterAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The directory may be moving after a silo failure; the next tick tries again.
                    if (logger.IsEnabled(LogLevel.Debug))
                    {
                        logger.LogDebug(e, "Device registration failed; retrying in {Interval}", Interval);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task RegisterAsync() =>
        grains.GetGrain<IDeviceDirectoryGrain>(0).RegisterAsync(silo.SiloAddress.ToParsableString(), options.Value.Count);
}
