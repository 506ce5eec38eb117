using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// Three ways to embed the same sequences with the same model: (a) a bare session at batch size 1 in input order,
/// as the published scripts do; (b) a bare session with the token-budget planner; (c) the Orleans cluster with one
/// embedded silo (shards, device grain, aggregator, in-order rows). Ratios (b)/(a) and (c)/(b).
/// </summary>
internal static class ScreenMethodsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 160);
        var repeats = arguments.Int("--repeats", 2);
        var budget = arguments.Int("--max-tokens", new BatchPlannerOptions().MaxTokensPerBatch);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--fasta"), count, minLength: 79, maxLength: 1999);

        using var benchModel = new BenchModel(DemoModelSpec.Esm2_8M);
        var spec = benchModel.Spec;
        var model = benchModel.Convert();
        var inference = arguments.Inference();
        using var session = EncoderSession.Open(model, inference);
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = sequences.Select(tokenizer.Encode).ToList();
        var residues = encoded.Sum(e => (long)e.ResidueCount);
        List<EncodedBatch> Plan(double maxPaddingFraction) =>
            new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = budget, MaxPaddingFraction = maxPaddingFraction }).Plan(encoded.Select(e => e.Length).ToList())
                .Select(b => EncodedBatch.Create(b.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId)).ToList();
        var planned = Plan(BatchPlannerOptions.DefaultMaxPaddingFraction);

        // The padding cap (Screen:MaxPaddingFraction) is for online work's random lengths; a shard's batches are sorted
        // by length, and (b') shows what the cap costs or saves them.
        var uncapped = Plan(1);
        var single = encoded.Select(e => EncodedBatch.Create([e], tokenizer.PadId)).ToList();
        var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();

        Console.WriteLine($"model: untrained ESM-2 8M shape ({spec.Layers} layers, {spec.HiddenSize} wide, {spec.Heads} heads), fp32, fused graph, CPU, {Environment.ProcessorCount} cores");
        Console.WriteLine($"input: {sequences.Count} sequences from {source}, {residues} residues after truncation at 1,022; token budget {budget}: {planned.Count} planned batches, padding efficiency {(double)planned.Sum(b => b.RealTokens) / planned.Sum(b => b.PaddedTokens):P1} (padding cap {BatchPlannerOptions.DefaultMaxPaddingFraction}); without the cap {uncapped.Count} batches, {(double)uncapped.Sum(b => b.RealTokens) / uncapped.Sum(b => b.PaddedTokens):P1}");

        await using var cluster = await EmbeddedCluster.StartAsync(new DeviceOptions { Count = 1, Inference = inference }, CancellationToken.None);
        var driver = new JobDriver(cluster.Grains, new ScreenOptions { MaxTokensPerBatch = budget });
        var run = 0;
        async Task Cluster()
        {
            var rows = 0;
            await driver.RunAsync($"bench-{run++}", model, records.ToAsyncEnumerable(), _ =>
            {
                rows++;
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
            if (rows != records.Count)
            {
                throw new InvalidOperationException($"The cluster returned {rows} rows for {records.Count} records.");
            }
        }

        // Warm-up: arenas, kernels, grain activations.
        session.Run(planned[^1]);
        await Cluster();

        var methods = new (string Name, Func<Task> Run)[]
        {
            ("(a) bare session, batch size 1, input order", () => { single.ForEach(b => session.Run(b)); return Task.CompletedTask; }),
            ("(b) bare session, token-budget batches", () => { planned.ForEach(b => session.Run(b)); return Task.CompletedTask; }),
            ("(b') as (b), no padding cap", () => { uncapped.ForEach(b => session.Run(b)); return Task.CompletedTask; }),
            ("(c) cluster, one embedded silo", Cluster),
        };
        var seconds = await InterleavedPasses.MeasureAsync(methods, repeats);

        Console.WriteLine();
        Console.WriteLine("| method | seconds per pass | sequences/s | residues/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var m = 0; m < methods.Length; m++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {methods[m].Name} | {seconds[m]:F2} | {sequences.Count / seconds[m]:F1} | {residues / seconds[m]:F0} |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(b)/(a) = {seconds[0] / seconds[1]:F2}x   (b)/(b') = {seconds[2] / seconds[1]:F3}   (c)/(b) = {seconds[1] / seconds[3]:F3}   over {repeats} interleaved passes"));
        return 0;
    }
}
