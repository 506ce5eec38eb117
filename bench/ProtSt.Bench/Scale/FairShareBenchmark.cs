using System.Diagnostics;
using System.Globalization;
using ProtSt.Grains;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Demo;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench.Scale;

/// <summary>
/// Two jobs on one cluster of simulated devices, submitted through the coordinator as <c>protst screen</c> does: a
/// small job alone, then the same small job while a large one runs (equal weights, then the small one at weight 3),
/// once with <c>Devices:Scheduling</c> = <c>Fifo</c> (arrival order, as before issue 15) and once with <c>Fair</c>, in
/// one process. Prints the small job's time beside the large one over its time alone, and its share of the device time
/// both jobs got from its first reported batch to its last (from the jobs' per-device busy figures).
/// </summary>
internal static class FairShareBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var silos = arguments.Int("--silos", 2);
        var devicesPerSilo = arguments.Int("--devices-per-silo", 2);
        var smallRecords = arguments.Int("--small", 300);
        var largeRecords = arguments.Int("--large", 6000);
        var weight = arguments.Int("--weight", 3);
        var simulated = new SimulatedDeviceOptions
        {
            MicrosecondsPerPaddedToken = arguments.Double("--us-per-token", 50),
            EmbeddingWidth = arguments.Int("--width", 64),
        };
        var screen = new ScreenOptions();
        var model = DemoModel.Ensure();
        var scratch = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "protst-fair-share-" + Guid.NewGuid().ToString("N"))).FullName;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{silos} silos x {devicesPerSilo} simulated devices at {simulated.MicrosecondsPerPaddedToken} µs per padded token; small job {smallRecords} records, large job {largeRecords}; " +
            $"shards of {screen.ShardSize}, batches under {screen.MaxTokensPerBatch} padded tokens; machine: {Environment.ProcessorCount} cores, load {LoadAverage()}"));
        try
        {
            var small = Write(scratch, "small.fasta", SyntheticProteome.Generate(smallRecords, seed: 1, idPrefix: "A"));
            var large = Write(scratch, "large.fasta", SyntheticProteome.Generate(largeRecords, seed: 2, idPrefix: "B"));
            var warmup = Write(scratch, "warmup.fasta", SyntheticProteome.Generate(64, seed: 3, idPrefix: "W"));
            Console.WriteLine();
            Console.WriteLine("| scheduling | small alone s | beside the large, weight 1: s (× alone) | small's share of device time | beside the large, weight " + weight + ": s (× alone) | small's share | machine load |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var scheduling in new[] { DeviceScheduling.Fifo, DeviceScheduling.Fair })
            {
                // The shares are read from the jobs' figures every 20 ms, so the silos report them that often.
                await using var cluster = await SimulatedCluster.StartAsync(silos, devicesPerSilo, simulated, new Dictionary<string, string?>
                {
                    ["Devices:Scheduling"] = scheduling.ToString(),
                    ["Screen:FiguresReportInterval"] = TimeSpan.FromMilliseconds(20).ToString("c", CultureInfo.InvariantCulture),
                }, timeCalls: true);
                var jobs = new Jobs(cluster.Cluster.Client, model, Path.Combine(scratch, scheduling.ToString()), screen);
                await jobs.RunAsync("warmup", warmup, 1);
                var alone = await jobs.RunAsync("small-alone", small, 1);
                await jobs.SubmitAsync("large", large, 1);
                while ((await jobs.SnapshotAsync("large")).Rows == 0)
                {
                    await Task.Delay(50);
                }

                var equal = await jobs.BesideAsync("small-equal", small, 1, "large");
                var weighted = await jobs.BesideAsync("small-weighted", small, weight, "large");
                var ended = (await cluster.Cluster.Client.GetGrain<IJobCoordinatorGrain>("large").GetStatusAsync())!.Final;
                await cluster.Cluster.Client.GetGrain<IJobCoordinatorGrain>("large").CancelAsync();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {scheduling} | {alone.TotalSeconds:F2} | {equal.Wall.TotalSeconds:F2} ({equal.Wall / alone:F2}×) | {equal.Share:P1} | {weighted.Wall.TotalSeconds:F2} ({weighted.Wall / alone:F2}×) | {weighted.Share:P1} | {LoadAverage()} |{(ended ? " (the large job ended first: raise --large)" : string.Empty)}"));
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        return 0;
    }

    private static string Write(string directory, string name, List<SequenceRecord> records)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, string.Concat(records.Select(r => $">{r.Id}\n{r.Sequence}\n")));
        return path;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>Jobs of one cluster, submitted to their coordinators with the benchmark's shard settings.</summary>
    private sealed class Jobs(IClusterClient client, string model, string outputs, ScreenOptions screen)
    {
        public Task<JobStatus> SubmitAsync(string jobId, string input, int priority) =>
            client.GetGrain<IJobCoordinatorGrain>(jobId).SubmitAsync(new JobSpec(
                "screen", input, Path.Combine(outputs, jobId), model, "embed", null, false, LabelSet.DefaultTemplate, true, false, OutputLayout.Assembled,
                screen.ShardSize, screen.MaxTokensPerBatch, screen.MaxBatchSize, screen.MaxShardsInFlight, priority));

        public Task<JobSnapshot> SnapshotAsync(string jobId) => client.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync();

        /// <summary>A job from submission to its end; it must complete.</summary>
        public async Task<TimeSpan> RunAsync(string jobId, string input, int priority) => (await RunBesideAsync(jobId, input, priority, null)).Wall;

        /// <summary>
        /// A job run while <paramref name="other"/> runs: its time, and its share of the device time both got between its
        /// first reported batch and its last (its planning and assembly use no device and are left out).
        /// </summary>
        public Task<(TimeSpan Wall, double Share)> BesideAsync(string jobId, string input, int priority, string other) =>
            RunBesideAsync(jobId, input, priority, other);

        private async Task<(TimeSpan Wall, double Share)> RunBesideAsync(string jobId, string input, int priority, string? other)
        {
            var clock = Stopwatch.StartNew();
            var sequences = File.ReadLines(input).Where(l => !l.StartsWith('>')).Distinct(StringComparer.Ordinal).Count();
            await SubmitAsync(jobId, input, priority);
            (double Mine, double Other)? first = null, last = null;
            var wall = TimeSpan.Zero;
            var seen = 0L;
            JobStatus status;

            // The aggregator's one-way reports may trail the job's end: it is followed until it has every batch.
            while (!(status = (await client.GetGrain<IJobCoordinatorGrain>(jobId).GetStatusAsync())!).Final || (status.Phase == JobPhase.Completed && seen < sequences))
            {
                wall = status.Final && wall == TimeSpan.Zero ? clock.Elapsed : wall;
                var mine = await SnapshotAsync(jobId);
                var point = (Busy(mine), other is null ? 0 : Busy(await SnapshotAsync(other)));
                first ??= point.Item1 > 0 ? point : null;
                last = last is null || point.Item1 > last.Value.Mine ? point : last;
                seen = mine.SequencesComputed;
                await Task.Delay(20);
            }

            wall = wall == TimeSpan.Zero ? clock.Elapsed : wall;
            if (status.Phase != JobPhase.Completed || first is null || last is null)
            {
                throw new InvalidOperationException($"{jobId} ended {status.Phase}: {status.Error}");
            }

            var (busy, otherBusy) = (last.Value.Mine - first.Value.Mine, last.Value.Other - first.Value.Other);
            return (wall, busy / (busy + otherBusy));
        }

        private static double Busy(JobSnapshot snapshot) => snapshot.Devices.Sum(d => d.Busy.TotalSeconds);
    }
}
