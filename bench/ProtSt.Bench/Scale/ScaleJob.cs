using System.Diagnostics;
using ProtSt.Grains;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench.Scale;

/// <summary>Runs one job through the coordinator (JobDriver) into the real ScreenResultWriter and measures where the time went.</summary>
internal static class ScaleJob
{
    /// <summary>
    /// Screens <paramref name="records"/> into <paramref name="output"/>. With <paramref name="killAtHalf"/>, a secondary
    /// silo is killed once the job's finished shards hold half the rows; its devices count as available only until then.
    /// </summary>
    public static async Task<ScaleFigures> RunAsync(
        SimulatedCluster scale, string jobId, string model, IReadOnlyList<SequenceRecord> records, ScreenOptions screen,
        SimulatedDeviceOptions simulated, string output, bool killAtHalf, CancellationToken cancellationToken)
    {
        var cluster = scale.Cluster;
        var silos = cluster.Silos.Count;
        scale.Reset();
        CallTimings.Reset();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);

        long writerTicks = 0;
        var start = Stopwatch.GetTimestamp();
        var writer = new ScreenResultWriter(output);
        var driver = new JobDriver(cluster.Client, screen);
        var job = driver.RunAsync(jobId, model, records.ToAsyncEnumerable(), async row =>
        {
            var began = Stopwatch.GetTimestamp();
            await (row.DeviceError is { } error
                ? writer.WriteFailureAsync(row.Id, row.Length, error, cancellationToken)
                : writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, cancellationToken));
            writerTicks += Stopwatch.GetTimestamp() - began;
        }, cancellationToken);

        string? killed = null;
        long killedAt = 0;
        if (killAtHalf)
        {
            await JobDriver.WaitForRowsAsync(cluster.Client, jobId, records.Count / 2, job, TimeSpan.FromMinutes(30));
            if (!job.IsCompleted)
            {
                // Not the coordinator's or the aggregator's silo: the in-process silos keep jobs in memory storage,
                // which a killed silo may take with it (production keeps them in Redis).
                var management = cluster.Client.GetGrain<IManagementGrain>(0);
                var coordinatorSilo = await management.GetActivationAddress(cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId), cancellationToken);
                var aggregatorSilo = await management.GetActivationAddress(cluster.Client.GetGrain<IJobFiguresAggregatorGrain>(jobId), cancellationToken);
                var victim = cluster.SecondarySilos.Last(s => !s.SiloAddress.Equals(aggregatorSilo) && !s.SiloAddress.Equals(coordinatorSilo));
                killed = victim.SiloAddress.ToParsableString();
                killedAt = Stopwatch.GetTimestamp();
                await cluster.KillSiloAsync(victim, cancellationToken);
            }
        }

        if (killAtHalf && killed is null)
        {
            throw new InvalidOperationException("The job ended before half its rows were written; nothing was killed.");
        }

        // The rows are counted from the writer, which holds every row; the aggregator's are figures (stored every 2 s).
        await job;
        var writerStarted = Stopwatch.GetTimestamp();
        await writer.DisposeAsync();
        var end = Stopwatch.GetTimestamp();
        writerTicks += end - writerStarted;

        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var wall = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        var secondsPerToken = simulated.MicrosecondsPerPaddedToken / 1e6;
        double available = 0, busy = 0, idleStart = 0, idleEnd = 0, failed = 0, scheduled = 0;
        long real = 0, padded = 0, batches = 0, failedBatches = 0;
        var devices = 0;
        foreach (var (silo, activity) in scale.Activity())
        {
            devices++;
            var aliveUntil = silo == killed ? killedAt : end;
            available += Stopwatch.GetElapsedTime(start, aliveUntil).TotalSeconds;
            busy += activity.Busy.TotalSeconds;
            scheduled += activity.Scheduled.TotalSeconds;
            failed += activity.ScheduledOnFailedBatches.TotalSeconds;
            real += activity.RealTokens;
            padded += activity.PaddedTokens;
            batches += activity.Batches;
            failedBatches += activity.FailedBatches;
            if (activity.Batches == 0)
            {
                idleStart += Stopwatch.GetElapsedTime(start, aliveUntil).TotalSeconds;
                continue;
            }

            idleStart += Math.Max(0, Stopwatch.GetElapsedTime(start, activity.FirstStart).TotalSeconds);

            // A batch still running on a killed silo's device ends after the kill; it counts as busy, not idle.
            idleEnd += Math.Max(0, Stopwatch.GetElapsedTime(activity.LastEnd, aliveUntil).TotalSeconds);
        }

        var useful = real * secondsPerToken;
        var padding = (padded - real) * secondsPerToken;
        var overhead = scheduled - failed - (padded * secondsPerToken);
        var lateness = busy - scheduled;
        var mid = available - busy - idleStart - idleEnd;
        var aggregator = CallTimings.Of(nameof(IJobFiguresAggregatorGrain));
        var deviceCalls = CallTimings.Of(nameof(IDeviceGrain), nameof(IDeviceGrain.RunAsync));
        var shards = CallTimings.Of(nameof(IShardGrain), nameof(IShardGrain.WritePartAsync));
        return new ScaleFigures(
            silos, devices, records.Count, writer.Rows, writer.Failures, wall, real, padded, available,
            useful, padding, overhead, failed, lateness, idleStart, idleEnd, mid, batches, failedBatches,
            (double)writerTicks / Stopwatch.Frequency, aggregator.Calls, aggregator.Seconds, deviceCalls.Calls, deviceCalls.Seconds,
            shards.Calls, shards.Seconds, cpu, (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds, GC.CollectionCount(2) - gen2Before,
            ProcStat.LoadAverage());
    }
}
