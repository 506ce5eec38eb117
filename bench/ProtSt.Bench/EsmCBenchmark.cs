using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Demo;
using ProtSt.Model.Onnx;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// ESM C 300M's shape (30 × 960, 15 heads, SwiGLU 2,560) against ESM-2 650M's (33 × 1,280, 20 heads, GELU 5,120), random
/// weights, fp32 and int8, the same DeepLoc proteins through the cluster (one embedded silo per model), interleaved
/// pass by pass. <c>--depth-divisor k</c> keeps 1/k of each depth (the 30 : 33 ratio) where full depth is too slow.
/// </summary>
internal static class EsmCBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 8);
        var repeats = arguments.Int("--repeats", 2);
        var divisor = arguments.Int("--depth-divisor", 1);
        var budget = arguments.Int("--max-tokens", new BatchPlannerOptions().MaxTokensPerBatch);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--fasta"), count, minLength: 79, maxLength: arguments.Int("--max-length", 1000));

        var esmc = DemoModelSpec.EsmCDefault with { Layers = 30 / divisor, HiddenSize = 960, Heads = 15, IntermediateSize = DemoModelSpec.EsmCFeedForwardWidth(960) };
        var esm2 = new DemoModelSpec { Layers = 33 / divisor, HiddenSize = 1280, Heads = 20, IntermediateSize = 5120, TokenDropout = false };
        Console.WriteLine($"CPU, {Environment.ProcessorCount} cores; input: {sequences.Count} sequences from {source} ({sequences.Sum(s => s.Length)} residues); token budget {budget}");

        using var esmcModel = new BenchModel(esmc);
        using var esm2Model = new BenchModel(esm2);
        Console.WriteLine($"ESM C: {esmcModel.Description}; ESM-2: {esm2Model.Description}");
        var models = new List<(string Name, string Folder, double FlopsPerToken)>
        {
            ("ESM-2 650M shape, fp32", esm2Model.Convert(), LinearFlops(esm2)),
            ("ESM C 300M shape, fp32", esmcModel.Convert(), LinearFlops(esmc)),
            ("ESM-2 650M shape, int8", esm2Model.Convert(precision: WeightPrecision.Int8), LinearFlops(esm2)),
            ("ESM C 300M shape, int8", esmcModel.Convert(precision: WeightPrecision.Int8), LinearFlops(esmc)),
        };

        var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();
        var clusters = new List<EmbeddedCluster>();
        foreach (var _ in models)
        {
            clusters.Add(await EmbeddedCluster.StartAsync(new DeviceOptions { Count = 1 }, CancellationToken.None));
        }

        var drivers = clusters.Select(c => new JobDriver(c.Grains, new ScreenOptions { MaxTokensPerBatch = budget })).ToList();
        var run = 0;
        Func<Task> Screen(int m) => async () =>
        {
            var rows = 0;
            await drivers[m].RunAsync($"esmc-bench-{run++}", models[m].Folder, records.ToAsyncEnumerable(), row =>
            {
                _ = row.Embedding ?? throw new InvalidOperationException($"{row.Id}: {row.Error ?? row.DeviceError}");
                rows++;
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
            if (rows != records.Count)
            {
                throw new InvalidOperationException($"The cluster returned {rows} rows for {records.Count} records.");
            }
        };

        for (var m = 0; m < models.Count; m++)
        {
            await Screen(m)();
        }

        var seconds = await InterleavedPasses.MeasureAsync(models.Select((m, i) => (m.Name, Screen(i))).ToList(), repeats);
        foreach (var cluster in clusters)
        {
            await cluster.DisposeAsync();
        }

        Console.WriteLine();
        Console.WriteLine("| model | seconds per pass | sequences/s | ESM C / ESM-2 at this precision | Linear multiply-adds per token (all layers) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (var m = 0; m < models.Count; m++)
        {
            var pair = m % 2 == 0 ? 1.0 : seconds[m - 1] / seconds[m];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {models[m].Name} | {seconds[m]:F2} | {sequences.Count / seconds[m]:F3} | {(m % 2 == 0 ? "—" : $"{pair:F2}x")} | {models[m].FlopsPerToken / 1e6:F0} M |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Linear multiply-add ratio ESM-2 / ESM C: {LinearFlops(esm2) / LinearFlops(esmc):F2}; measured fp32 {seconds[0] / seconds[1]:F2}x, int8 {seconds[2] / seconds[3]:F2}x over {repeats} interleaved passes"));
        return 0;
    }

    /// <summary>Multiply-adds per token in the Linears of all layers: 12·d² (GELU, 4·d feed-forward) or 4·d² + 3·d·h (SwiGLU).</summary>
    private static double LinearFlops(DemoModelSpec spec)
    {
        double d = spec.HiddenSize;
        double h = spec.IntermediateSize;
        return spec.Layers * (spec.EsmC ? (4 * d * d) + (3 * d * h) : (4 * d * d) + (2 * d * h));
    }
}
