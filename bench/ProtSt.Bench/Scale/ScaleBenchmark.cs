using System.Globalization;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Testing;

namespace ProtSt.Bench.Scale;

/// <summary>
/// Scale-out on simulated devices: in-process clusters of 1, 2, 4, 8 and 16 silos with 2 simulated devices each screen
/// a synthetic proteome of the same size per device through JobDriver (a job submitted to the coordinator), shards, planner, routing, aggregator
/// and result writer; throughput against the ideal (devices / time per padded token), and where the rest went.
/// Then the same at the largest size with a device failure rate and a silo killed halfway: nothing may be lost.
/// </summary>
internal static class ScaleBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var sizes = arguments.Ints("--silos", "1,2,4,8,16");
        var devicesPerSilo = arguments.Int("--devices-per-silo", 2);
        var perDevice = arguments.Int("--per-device", 1500);
        var failureRate = arguments.Double("--failure-rate", 0.01);
        var simulated = new SimulatedDeviceOptions
        {
            MicrosecondsPerPaddedToken = arguments.Double("--us-per-token", 20),
            BatchOverheadMilliseconds = arguments.Double("--batch-overhead-ms", 0),
            EmbeddingWidth = arguments.Int("--width", 1280),
            Seed = arguments.Int("--seed", 1),
        };
        var defaults = new ScreenOptions();
        var screen = defaults with
        {
            MaxTokensPerBatch = arguments.Int("--max-tokens", defaults.MaxTokensPerBatch),
            ShardSize = arguments.Int("--shard-size", defaults.ShardSize),
            MaxShardsInFlight = arguments.Int("--shards-in-flight", defaults.MaxShardsInFlight),
            ShardsInFlightPerDevice = arguments.Double("--shards-per-device", defaults.ShardsInFlightPerDevice),
        };

        var model = DemoModel.Ensure();
        var tokenizer = ModelFolder.Open(model, verifyHashes: false).CreateTokenizer();
        var scratch = Path.Combine(Path.GetTempPath(), "protst-scale-" + Guid.NewGuid().ToString("N"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulated devices: {simulated.MicrosecondsPerPaddedToken} µs per padded token ({1e6 / simulated.MicrosecondsPerPaddedToken:F0} padded tokens/s, a {screen.MaxTokensPerBatch}-token batch in {simulated.TimeFor(screen.MaxTokensPerBatch).TotalMilliseconds:F0} ms), " +
            $"{simulated.BatchOverheadMilliseconds} ms per batch, embeddings {simulated.EmbeddingWidth} wide; {devicesPerSilo} per silo; {perDevice} records per device"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"screen: shards of {screen.ShardSize}, max({screen.MaxShardsInFlight}, {screen.ShardsInFlightPerDevice} x devices) in flight, batches under {screen.MaxTokensPerBatch} padded tokens; machine: {Environment.ProcessorCount} cores, one process"));

        var results = new List<(string Label, ScaleFigures Figures)>();
        try
        {
            var writerRate = await WriterCapacity.MeasureAsync(Path.Combine(scratch, "writer"), 20_000, simulated.EmbeddingWidth);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"result writer alone: {writerRate:F0} rows/s at width {simulated.EmbeddingWidth} (20,000 rows, results.tsv + embeddings.parquet)"));

            foreach (var silos in sizes)
            {
                results.Add(($"{silos}", await MeasureAsync(silos, killAtHalf: false, simulated)));
            }

            if (!arguments.Has("--no-failure-run"))
            {
                var silos = arguments.Int("--failure-silos", sizes.Max());
                var failing = new SimulatedDeviceOptions
                {
                    MicrosecondsPerPaddedToken = simulated.MicrosecondsPerPaddedToken,
                    BatchOverheadMilliseconds = simulated.BatchOverheadMilliseconds,
                    EmbeddingWidth = simulated.EmbeddingWidth,
                    Seed = simulated.Seed,
                    FailureRate = failureRate,
                };
                results.Add(($"{silos}, {failureRate:P0} batches fail, 1 silo killed at half", await MeasureAsync(silos, killAtHalf: true, failing)));
            }
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        Report(results, simulated.MicrosecondsPerPaddedToken / 1e6);
        return 0;

        async Task<ScaleFigures> MeasureAsync(int silos, bool killAtHalf, SimulatedDeviceOptions options)
        {
            var devices = silos * devicesPerSilo;
            var records = SyntheticProteome.Generate(devices * perDevice, seed: 42);
            await using var cluster = await SimulatedCluster.StartAsync(silos, devicesPerSilo, options, timeCalls: true);

            // Warm-up: activates every device grain, JITs the paths; its figures are reset before the measured job.
            var warmup = SyntheticProteome.Generate(Math.Min(records.Count, devices * 64), seed: 7, idPrefix: "W");
            await ScaleJob.RunAsync(cluster, $"warmup-{silos}", model, warmup, screen, options, Path.Combine(scratch, "warmup"), killAtHalf: false, CancellationToken.None);

            var output = Path.Combine(scratch, $"scale-{silos}-{killAtHalf}");
            var figures = await ScaleJob.RunAsync(cluster, $"scale-{silos}", model, records, screen, options, output, killAtHalf, CancellationToken.None);
            await ScaleOutput.VerifyAsync(output, records, tokenizer, options.EmbeddingWidth, CancellationToken.None);
            Directory.Delete(output, recursive: true);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{silos} silos{(killAtHalf ? " (failures, kill)" : string.Empty)}: {figures.Records} records in {figures.WallSeconds:F1} s, " +
                $"{figures.Share(figures.UsefulSeconds + figures.PaddingSeconds):P1} of ideal padded tokens/s; output verified"));
            return figures;
        }
    }

    private static void Report(List<(string Label, ScaleFigures Figures)> results, double secondsPerToken)
    {
        // Rounded to 0.1%; float noise around zero prints as 0.0%, not -0.0%.
        static string P(double share) => string.Create(CultureInfo.InvariantCulture, $"{Math.Round(100 * share, 1) + 0.0:F1}%");

        Console.WriteLine();
        Console.WriteLine("| silos | devices | records | wall s | sequences/s | ideal seq/s | padded tokens/s | ideal padded tokens/s | % of ideal | process CPU | machine load |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (label, f) in results)
        {
            var ideal = f.IdealPaddedTokensPerSecond(secondsPerToken);
            var paddedPerSequence = (double)f.PaddedTokens / Math.Max(1, f.Rows);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {f.Devices} | {f.Records} | {f.WallSeconds:F1} | {f.Rows / f.WallSeconds:F0} | {ideal / paddedPerSequence:F0} | {f.PaddedTokens / f.WallSeconds:F0} | {ideal:F0} | **{P(f.PaddedTokens / f.WallSeconds / ideal)}** | {P(f.CpuSeconds / f.WallSeconds / Environment.ProcessorCount)} | {f.LoadAverage:F1} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Where the device time went (share of devices × wall while their silo was up):");
        Console.WriteLine();
        Console.WriteLine("| silos | real tokens | padding | per-batch overhead | failed batches | timer lateness | idle before first batch | idle after last batch | idle between batches |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (label, f) in results)
        {
            Console.WriteLine(
                $"| {label} | {P(f.Share(f.UsefulSeconds))} | {P(f.Share(f.PaddingSeconds))} | {P(f.Share(f.BatchOverheadSeconds))} | {P(f.Share(f.FailedBatchSeconds))} | " +
                $"{P(f.Share(f.LatenessSeconds))} | {P(f.Share(f.IdleStartSeconds))} | {P(f.Share(f.IdleEndSeconds))} | {P(f.Share(f.IdleMidSeconds))} |");
        }

        Console.WriteLine();
        Console.WriteLine("Around the devices (measured in the same runs):");
        Console.WriteLine();
        Console.WriteLine("| silos | batches (failed) | rows (failed) | writer s (% of wall) | aggregator calls (/s) | aggregator s in grain | device calls: s in grain − busy | shard calls (mean s) | GC pause s (gen2) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (label, f) in results)
        {
            var deviceOverhead = f.DeviceCallSeconds - (f.UsefulSeconds + f.PaddingSeconds + f.BatchOverheadSeconds + f.FailedBatchSeconds + f.LatenessSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {f.Batches} ({f.FailedBatches}) | {f.Rows + f.FailedRows} ({f.FailedRows}) | {f.WriterSeconds:F2} ({P(f.WriterSeconds / f.WallSeconds)}) | " +
                $"{f.AggregatorCalls} ({f.AggregatorCalls / f.WallSeconds:F0}) | {f.AggregatorSeconds:F3} | {deviceOverhead:F2} | {f.ShardCalls} ({f.ShardSeconds / Math.Max(1, f.ShardCalls):F2}) | {f.GcPauseSeconds:F2} ({f.Gen2Collections}) |"));
        }
    }
}
