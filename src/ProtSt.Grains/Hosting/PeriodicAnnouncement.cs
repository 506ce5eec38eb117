using Microsoft.Extensions.Logging;

namespace ProtSt.Grains.Hosting;

/// <summary>
/// Tells a directory grain something about this silo now and again every few seconds until stopped: directories keep
/// their lists in memory, so if a directory's silo dies it is re-activated elsewhere empty and refills from these. The
/// silo host's membership check runs on it too.
/// </summary>
/// <param name="announce">What to tell, once at start and then every <paramref name="interval"/>.</param>
/// <param name="logger">Where failed announcements are noted (debug level: the next tick tries again).</param>
/// <param name="interval">The time between announcements; 3 s when null.</param>
public sealed class PeriodicAnnouncement(Func<Task> announce, ILogger logger, TimeSpan? interval = null) : IAsyncDisposable
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private bool _disposed;

    /// <summary>Announces once, so the directory knows before this returns, then keeps announcing in the background.</summary>
    public async Task StartAsync()
    {
        await announce();
        _loop = Task.Run(RepeatAsync, CancellationToken.None);
    }

    /// <summary>Stops announcing; safe to call more than once (on stop, then by the container).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
    }

    private async Task RepeatAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    await announce();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The directory may be moving after a silo failure; the next tick tries again.
                    if (logger.IsEnabled(LogLevel.Debug))
                    {
                        logger.LogDebug(e, "Announcement failed; retrying in {Interval}", _interval);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
