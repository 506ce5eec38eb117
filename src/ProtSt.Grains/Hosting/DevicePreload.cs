using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;

namespace ProtSt.Grains.Hosting;

/// <summary>Opens <see cref="DeviceOptions.PreloadModel"/> on every device of this silo once it is active, retrying until it succeeds, and says how far it got.</summary>
public sealed class DevicePreload(IGrainFactory grains, ILocalSiloDetails silo, IOptions<DeviceOptions> options, ILogger<DevicePreload> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    // A model folder on a volume that is still being mounted or filled may appear later; try again rather than give up.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task _loading = Task.CompletedTask;
    private volatile string? _error;
    private volatile bool _loaded;
    private bool _disposed;

    /// <summary>The model folder to preload, or null when models open lazily.</summary>
    public string? Model => options.Value.PreloadModel is { Length: > 0 } model ? model : null;

    /// <summary>True when no preload is configured or every device has opened the model.</summary>
    public bool Loaded => Model is null || _loaded;

    /// <summary>The last preload failure, while the model is not loaded.</summary>
    public string? Error => _loaded ? null : _error;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DevicePreload), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync();
        await _loading;
        _stopping.Dispose();
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // In the background: a large model takes minutes to open, and the silo's start must not wait for it.
        if (Model is { } model)
        {
            _loading = Task.Run(() => LoadAsync(model, _stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    private async Task LoadAsync(string model, CancellationToken cancellationToken)
    {
        var devices = Enumerable.Range(0, options.Value.Count)
            .Select(i => grains.GetGrain<IDeviceGrain>(DeviceKey.Create(silo.SiloAddress.ToParsableString(), i)))
            .ToList();
        try
        {
            while (true)
            {
                try
                {
                    await Task.WhenAll(devices.Select(d => d.PreloadAsync(model))).WaitAsync(cancellationToken);
                    _loaded = true;
                    if (logger.IsEnabled(LogLevel.Information))
                    {
                        logger.LogInformation("Preloaded {Model} on {Count} device(s)", model, devices.Count);
                    }

                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _error = e.Message;
                    if (logger.IsEnabled(LogLevel.Warning))
                    {
                        logger.LogWarning("Preloading {Model} failed, retrying in {Interval}: {Error}", model, RetryInterval, e.Message);
                    }
                }

                await Task.Delay(RetryInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }
}
