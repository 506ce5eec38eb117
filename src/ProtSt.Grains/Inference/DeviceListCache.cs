using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Jobs;

namespace ProtSt.Grains.Inference;

/// <summary>
/// This silo's copy of the device directory, read by shards and coordinators instead of asking the directory grain
/// per shard. It reads the listing again when membership changes (and once more shortly after, since a joining silo is
/// an active member before it registers its devices), when the directory's version changes (polled every
/// <see cref="ScreenOptions.DeviceListRefreshInterval"/>: a draining silo unregisters its devices before it leaves
/// membership), and when a shard has run out of devices. Every read is filtered by the current membership snapshot, so
/// a dead silo's devices disappear at once.
/// </summary>
public sealed class DeviceListCache(
    IGrainFactory grains, IClusterMembershipService membership, IOptions<ScreenOptions> options, ILogger<DeviceListCache> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private static readonly TimeSpan AfterMembershipChange = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile DeviceDirectoryListing? _listing;
    private volatile Filtered? _filtered;
    private Task? _membershipLoop;
    private PeriodicAnnouncement? _poll;
    private bool _disposed;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceListCache), ServiceLifecycleStage.Active, StartAsync, _ => DisposeAsync().AsTask());

    /// <summary>
    /// The devices of the silos that are active members now, by key, in order; read from the directory if never read,
    /// or if none is known (a list read at start, before any silo had registered, must not fail the first shards).
    /// </summary>
    public async Task<IReadOnlyList<string>> GetDevicesAsync(CancellationToken cancellationToken = default)
    {
        if (_listing is null || Current().Count == 0)
        {
            await RefreshAsync(cancellationToken);
        }

        return Current();
    }

    /// <summary>The devices of the last listing read (0 before the first read); what needs no fresh list reads this.</summary>
    public int KnownDeviceCount => _listing is null ? 0 : Current().Count;

    /// <summary>
    /// The token budget a batch for all of <paramref name="devices"/> must fit: the smallest their silos registered, so
    /// a batch planned once may go to any of them; null when none of their silos said (a silo of an older version).
    /// </summary>
    public int? TokensPerBatchOf(IEnumerable<string> devices)
    {
        var budgets = _listing?.TokensPerBatchBySilo;
        if (budgets is null)
        {
            return null;
        }

        int? smallest = null;
        foreach (var silo in devices.Select(d => DeviceKey.Parse(d).SiloAddress).Distinct(StringComparer.Ordinal))
        {
            if (budgets.TryGetValue(silo, out var budget) && budget > 0)
            {
                smallest = Math.Min(smallest ?? int.MaxValue, budget);
            }
        }

        return smallest;
    }

    /// <summary>Reads the listing from the directory now (a shard that ran out of devices); one read serves callers that arrive together.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var before = _listing;
        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(before, _listing))
            {
                // Another caller's read finished while this one waited.
                return;
            }

            _listing = await grains.GetGrain<IDeviceDirectoryGrain>(0).GetListingAsync().WaitAsync(options.Value.ControlCallTimeout, cancellationToken);
        }
        finally
        {
            _reading.Release();
        }
    }

    private IReadOnlyList<string> Current()
    {
        var listing = _listing;
        var snapshot = membership.CurrentSnapshot;
        if (listing is null)
        {
            return [];
        }

        var filtered = _filtered;
        if (filtered is not null && filtered.Listing == listing && filtered.Membership == snapshot.Version)
        {
            return filtered.Devices;
        }

        var active = ActiveSilos.Of(snapshot);
        IReadOnlyList<string> devices = listing.DevicesBySilo
            .Where(entry => active.Contains(entry.Key))
            .SelectMany(entry => Enumerable.Range(0, entry.Value).Select(i => DeviceKey.Create(entry.Key, i)))
            .Order(StringComparer.Ordinal)
            .ToList();
        _filtered = new Filtered(listing, snapshot.Version, devices);
        return devices;
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _membershipLoop = Task.Run(FollowMembershipAsync, CancellationToken.None);
        _poll = new PeriodicAnnouncement(PollAsync, logger, options.Value.DeviceListRefreshInterval);
        return _poll.StartAsync();
    }

    private async Task FollowMembershipAsync()
    {
        try
        {
            await foreach (var update in membership.MembershipUpdates.WithCancellation(_stopping.Token))
            {
                await TryRefreshAsync();

                // A silo is an active member before its DeviceRegistrar has registered; read again once it has.
                _ = RefreshLaterAsync(update.Version);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RefreshLaterAsync(MembershipVersion version)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Membership changed (version {Version}); reading the device directory again", version);
        }

        try
        {
            await Task.Delay(AfterMembershipChange, _stopping.Token);
            await TryRefreshAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    // A number, not the list: the listing is read only when the version moved (or the directory is new). A failure
    // here never fails the silo's start; the next poll asks again.
    private async Task PollAsync()
    {
        try
        {
            var version = await grains.GetGrain<IDeviceDirectoryGrain>(0).GetVersionAsync().WaitAsync(options.Value.ControlCallTimeout, _stopping.Token);
            if (version != _listing?.Version)
            {
                await RefreshAsync(_stopping.Token);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogMissed(e);
        }
    }

    private async Task TryRefreshAsync()
    {
        try
        {
            await RefreshAsync(_stopping.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogMissed(e);
        }
    }

    // The directory may be moving after its silo died; the next poll or membership change reads it again.
    private void LogMissed(Exception e)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug(e, "Could not read the device directory; keeping the list read before");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync();
        if (_poll is not null)
        {
            await _poll.DisposeAsync();
        }

        if (_membershipLoop is not null)
        {
            await _membershipLoop;
        }

        _stopping.Dispose();
    }

    private sealed record Filtered(DeviceDirectoryListing Listing, MembershipVersion Membership, IReadOnlyList<string> Devices);
}
