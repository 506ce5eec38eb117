using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// Sends this silo's <see cref="JobFiguresAccumulator"/> to the jobs' aggregators: one call per job every
/// <see cref="ScreenOptions.FiguresReportInterval"/> while the job has news here (≈ one call per silo per second into
/// a job's aggregator instead of one per batch), one when a shard ends (<see cref="FlushAsync"/>, so a finished job's
/// figures are whole), and a last round when the silo stops gracefully, so nothing reported is lost on a leave.
/// </summary>
public sealed class JobFiguresFlusher(
    JobFiguresAccumulator accumulator, IGrainFactory grains, IOptions<ScreenOptions> options, ILogger<JobFiguresFlusher> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    // A silo stopping waits this long at most for each last round: an aggregator that cannot be reached must not hold
    // up the leave (the silo's own shutdown timeout bounds the whole stop; this is a small part of it, as in DeviceRegistrar).
    private static readonly TimeSpan LastRoundTimeout = TimeSpan.FromSeconds(5);

    private PeriodicAnnouncement? _rounds;

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(JobFiguresFlusher), ServiceLifecycleStage.Active, StartAsync, StopAsync);

        // Shards still running while the silo's grains are deactivated add figures after the Active stage stopped;
        // this stage stops after that, while the silo can still send.
        lifecycle.Subscribe(nameof(JobFiguresFlusher) + ".Last", ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, _ => LastRoundAsync());
    }

    /// <summary>
    /// Sends the job's figures from this silo now, if the aggregator lacks any. Waits at most one report interval: an
    /// aggregator whose silo just died answers no one until membership says so, and the next round sends it all again.
    /// </summary>
    public async Task FlushAsync(string jobId, CancellationToken cancellationToken = default)
    {
        if (accumulator.Pending(jobId) is { } report)
        {
            try
            {
                await SendAsync(jobId, report, CancellationToken.None).WaitAsync(options.Value.FiguresReportInterval, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _rounds = new PeriodicAnnouncement(RoundAsync, logger, options.Value.FiguresReportInterval);
        return _rounds.StartAsync();
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await DisposeAsync();
        await LastRoundAsync();
    }

    private async Task RoundAsync()
    {
        await FlushAllAsync();
        accumulator.ForgetIdle(options.Value.FiguresForgetAfter);
    }

    private async Task LastRoundAsync()
    {
        try
        {
            await FlushAllAsync().WaitAsync(LastRoundTimeout);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Some jobs' figures from this silo were not delivered within {Timeout} while it stopped", LastRoundTimeout);
        }
    }

    private Task FlushAllAsync() => Task.WhenAll(accumulator.Pending().Select(p => SendAsync(p.JobId, p.Report, CancellationToken.None)));

    private async Task SendAsync(string jobId, JobFiguresReport report, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await grains.GetGrain<IJobFiguresAggregatorGrain>(jobId).ReportFiguresAsync(report).WaitAsync(options.Value.ControlCallTimeout, cancellationToken);
            accumulator.Delivered(jobId, report, stored);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The aggregator may be moving off a dead silo; the totals are cumulative, so the next round makes up for it.
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug(e, "Could not send the figures of job {Job}; sending them again next round", jobId);
            }
        }
    }

    public ValueTask DisposeAsync() => _rounds?.DisposeAsync() ?? ValueTask.CompletedTask;
}
