using System.Diagnostics;
using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// What the job view's figures cost a screen: the same zero-shot job on two embedded silos in one process, one whose
/// shards write results.idx and map.sketch into each part (Screen:ResultFigures on, the default) and one without,
/// in interleaved passes; and the figures' own work per row (index, sketch) timed alone, against the screen's time per row.
/// </summary>
internal static class ResultFiguresBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 96);
        var layers = arguments.Int("--protein-layers", 1);
        var repeats = arguments.Int("--repeats", 3);
        var shardSize = arguments.Int("--shard-size", 32);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--input"), count, minLength: 79, maxLength: 1999, sharedDefault: "data/subloc-test.csv");
        var scratch = Path.Combine(Path.GetTempPath(), "protst-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (model, _) = BenchModel.ConvertProtSt(scratch, layers);
            var labels = LabelSet.Read(Path.Combine(AppContext.BaseDirectory, "configs", "labels", "subcellular-localization.tsv"));
            var devices = new DeviceOptions { Count = 1, Inference = arguments.Inference() };

            // The silos bind Screen from the environment when they start: one with the figures, one without.
            await using var with = await EmbeddedCluster.StartAsync(devices, CancellationToken.None);
            Environment.SetEnvironmentVariable("Screen__ResultFigures", "false");
            EmbeddedCluster without;
            try
            {
                without = await EmbeddedCluster.StartAsync(devices, CancellationToken.None);
            }
            finally
            {
                Environment.SetEnvironmentVariable("Screen__ResultFigures", null);
            }

            await using var _ = without;
            var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();
            var options = new ScreenOptions { ShardSize = shardSize };
            var run = 0;
            var embeddingWidth = 0;
            Func<Task> Screen(EmbeddedCluster cluster) => async () =>
            {
                var driver = new JobDriver(cluster.Grains, options, new DrivenTask(JobTaskResolver.ZeroShot, labels.Source));
                await driver.RunAsync($"figures-{run++}", model, records.ToAsyncEnumerable(), r =>
                {
                    embeddingWidth = r.Embedding?.Length ?? 0;
                    return ValueTask.CompletedTask;
                }, CancellationToken.None);
            };

            Console.WriteLine($"model: untrained ProtST with ESM-1b's width ({layers} of 33 protein layers x 1280), CPU, {Environment.ProcessorCount} cores; {sequences.Count} sequences from {source}; shards of {shardSize}");
            await Screen(with)();
            await Screen(without)();
            var seconds = await InterleavedPasses.MeasureAsync([("figures on", Screen(with)), ("figures off", Screen(without))], repeats);

            // The figures' own work on rows like the job's: a part's results.tsv indexed, its embeddings sketched.
            var perRow = await FiguresPerRowAsync(scratch, embeddingWidth, shardSize, labels.Prompts(LabelField.Name).Count, options);
            var screenPerRow = seconds[0] / sequences.Count;
            Console.WriteLine();
            Console.WriteLine("| screen | seconds per pass (mean of " + repeats + ") | sequences/s |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| figures on (results.idx + map.sketch) | {seconds[0]:F2} | {sequences.Count / seconds[0]:F2} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| figures off | {seconds[1]:F2} | {sequences.Count / seconds[1]:F2} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"on/off = {seconds[0] / seconds[1]:F3}; the figures alone: {perRow * 1e6:F1} us/row = {perRow / screenPerRow * 100:F3}% of the screen's {screenPerRow * 1e3:F1} ms/row at {layers} of 33 layers"));
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    // The shard's figure work for parts of shardSize rows, timed alone over enough parts to measure: seconds per row.
    private static async Task<double> FiguresPerRowAsync(string scratch, int width, int shardSize, int classes, ScreenOptions options)
    {
        var part = Path.Combine(scratch, "part");
        Directory.CreateDirectory(part);
        var random = new Random(5);
        var names = Enumerable.Range(0, classes).Select(i => $"class{i}").ToList();
        await using (var writer = new ScreenResultWriter(part, new ScoreColumns(ScoreColumns.ZeroShotPrefix, names), withFeature: false))
        {
            for (var r = 0; r < shardSize; r++)
            {
                var scores = Enumerable.Range(0, classes).Select(_ => (float)random.NextDouble()).ToArray();
                var row = Enumerable.Range(0, width).Select(_ => (float)random.NextDouble()).ToArray();
                await writer.WriteAsync($"P{r}", 300, false, row, ReadOnlyMemory<float>.Empty, scores, CancellationToken.None);
            }
        }

        var embedding = Enumerable.Range(0, width).Select(_ => (float)random.NextDouble()).ToArray();
        var parts = Math.Max(1, 20_000 / shardSize);
        var clock = Stopwatch.StartNew();
        for (var p = 0; p < parts; p++)
        {
            var sketch = new MapSketch(width, options.MapSketchRank, MapSketch.DefaultSeed);
            for (var r = 0; r < shardSize; r++)
            {
                sketch.Add(embedding);
            }

            await ResultsIndex.WriteAsync(part, CancellationToken.None);
            await sketch.WriteAsync(part, CancellationToken.None);
        }

        return clock.Elapsed.TotalSeconds / (parts * (double)shardSize);
    }
}
