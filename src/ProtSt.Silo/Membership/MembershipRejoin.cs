using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using ProtSt.Grains.Hosting;
using StackExchange.Redis;

namespace ProtSt.Silo.Membership;

/// <summary>
/// Reads the Redis membership table every <see cref="SiloNodeOptions.MembershipCheckInterval"/> while this silo is
/// active; when its row is gone (Redis restarted empty), writes back the table as it last read it, with its version
/// counter past every view the silos hold. /readyz is false while the row is missing or the store does not answer.
/// </summary>
/// <remarks>
/// Orleans ignores a table older than the view it holds, and an emptied table starts again at version 0: left alone,
/// every silo keeps believing it is a member while no silo is listed, and new clients find no gateway. Orleans also
/// stops a silo that a newer table leaves out, so the rows are restored together in one transaction, not silo by
/// silo (docs/reliability.md).
/// </remarks>
internal sealed partial class MembershipRejoin(
    IMembershipTable table,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IOptions<RedisClusteringOptions> redis,
    IOptions<ClusterOptions> cluster,
    SiloNodeOptions node,
    ILogger<MembershipRejoin> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    // The field RedisMembershipTable keeps its version counter in, beside one field per silo named by its address.
    private const string VersionField = "Version";

    // How far past this silo's view the restored counter starts: the silos' views may be a few versions apart, and a
    // table older than the view a silo holds would be ignored by that silo.
    private const int VersionHeadroom = 1000;

    private HashEntry[] _lastRead = [];
    private IConnectionMultiplexer? _connection;
    private bool _sharedConnection;
    private PeriodicAnnouncement? _checks;
    private bool _disposed;

    /// <summary>Why this silo is not known to be in the membership table, or null when its row was there at the last check.</summary>
    public string? Problem { get; private set; }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MembershipRejoin), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        (_connection, _sharedConnection) = await redis.Value.CreateMultiplexer(redis.Value);

        // Each Redis call below is bounded by the interval, so a stop waits for one check at most.
        _checks = new PeriodicAnnouncement(CheckOnceAsync, logger, node.MembershipCheckInterval);
        await _checks.StartAsync();
    }

    // The Active stage stops first: a leaving silo must not write itself back.
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_checks is not null)
        {
            await _checks.DisposeAsync();
        }
    }

    private async Task CheckOnceAsync()
    {
        // Joining and leaving are Orleans' business; only an active member's lost row is ours.
        if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) != SiloStatus.Active)
        {
            return;
        }

        var database = _connection!.GetDatabase();
        var key = redis.Value.CreateRedisKey(cluster.Value);
        HashEntry[] read;
        try
        {
            read = await database.HashGetAllAsync(key).WaitAsync(node.MembershipCheckInterval);
        }
        catch (Exception e)
        {
            if (Problem is null)
            {
                LogUnanswered(logger, e);
            }

            Problem = $"the membership store does not answer: {e.Message}";
            return;
        }

        if (read.Any(e => e.Name == Row(silo.SiloAddress)))
        {
            _lastRead = read;
            Problem = null;
            return;
        }

        const string missing = "this silo is not in the membership table (the store lost its data)";
        Problem = missing;
        LogMissing(logger, silo.SiloAddress);
        try
        {
            if (await RestoreAsync(database, key, read))
            {
                Problem = null;
                LogRestored(logger, silo.SiloAddress);
            }
        }
        catch (Exception e)
        {
            Problem = $"{missing}, and writing it back failed: {e.Message}";
            LogRestoreFailed(logger, e);
        }
    }

    // Writes the rows of the last good read that are missing now, and the counter, in one transaction conditioned on
    // the counter read: any concurrent membership write changes the counter, and then the next check tries again.
    private async Task<bool> RestoreAsync(IDatabase database, RedisKey key, HashEntry[] now)
    {
        var counter = now.FirstOrDefault(e => e.Name == VersionField).Value;
        var version = counter.HasValue && int.TryParse(counter.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var viewed = (int)Math.Min(int.MaxValue - VersionHeadroom - 1, membership.CurrentSnapshot.Version.Value);
        var restored = Math.Max(version + 1, viewed + VersionHeadroom);
        var present = now.Select(e => e.Name).ToHashSet();
        var rows = _lastRead.Where(e => e.Name != VersionField && !present.Contains(e.Name)).ToList();

        var write = database.CreateTransaction();
        write.AddCondition(counter.HasValue ? Condition.HashEqual(key, VersionField, counter) : Condition.HashNotExists(key, VersionField));
        _ = write.HashSetAsync(key, [new HashEntry(VersionField, restored.ToString(CultureInfo.InvariantCulture)), .. rows]);
        if (!await write.ExecuteAsync().WaitAsync(node.MembershipCheckInterval))
        {
            return false;
        }

        if (rows.Any(e => e.Name == Row(silo.SiloAddress)))
        {
            return true;
        }

        // The store lost its data before this silo had read its own row: Orleans writes a fresh one.
        return await table.InsertRowAsync(NewEntry(), new TableVersion(restored + 1, restored.ToString(CultureInfo.InvariantCulture)))
            .WaitAsync(node.MembershipCheckInterval);
    }

    private static RedisValue Row(SiloAddress address) => address.ToString();

    private MembershipEntry NewEntry() => new()
    {
        SiloAddress = silo.SiloAddress,
        HostName = silo.DnsHostName,
        SiloName = silo.Name,
        ProxyPort = silo.GatewayAddress?.Endpoint.Port ?? 0,
        SuspectTimes = [],
        StartTime = DateTime.UtcNow,
        IAmAliveTime = DateTime.UtcNow,
        Status = SiloStatus.Active,
    };

    /// <summary>Stops checking and closes this checker's Redis connection; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync(CancellationToken.None);
        if (_connection is not null && !_sharedConnection)
        {
            await _connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} is active but not in the membership table (the store lost its data); writing the table back")]
    private static partial void LogMissing(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} wrote the membership table back")]
    private static partial void LogRestored(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the membership table back failed; the next check tries again")]
    private static partial void LogRestoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The membership store does not answer; /readyz says not ready until it does")]
    private static partial void LogUnanswered(ILogger logger, Exception exception);
}
