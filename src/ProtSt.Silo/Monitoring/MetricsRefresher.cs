using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Silo.Api;

namespace ProtSt.Silo.Monitoring;

/// <summary>
/// Reads the job figures from the cluster on a timer for <see cref="ProtStMetrics"/>: instruments are read
/// synchronously at scrape time and cannot call grains themselves.
/// </summary>
internal sealed partial class MetricsRefresher(
    JobReader jobs, IClusterMembershipService membership, ProtStMetrics metrics, TimeProvider time, IOptions<MonitoringOptions> options, ILogger<MetricsRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MetricsRefreshInterval, time);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The silo may still be starting, or the registry moving after a failure; the next tick tries again.
                    LogRefreshFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var retention = options.Value.CompletedJobMetricsRetention;
        var listed = await jobs.ListAsync(cancellationToken);
        var current = listed.Where(j => !j.Completed || j.StartedAt is not { } started || started + j.Elapsed + retention >= now).ToList();
        var silos = membership.CurrentSnapshot.Members.Values
            .GroupBy(m => m.Status.ToString(), StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))
            .ToList();
        metrics.Update(current, silos);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading job figures for /metrics failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
