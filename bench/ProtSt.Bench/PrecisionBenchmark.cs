using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// fp32 against int8 (and fp16) on an ESM-1b-width encoder, in one process: (1) the GEMM ceiling, float32 MatMul and
/// int8 DynamicQuantizeMatMul; (2) the int8 operator candidates on a one-layer model over the same batches; (3) DeepLoc
/// sequences through the cluster as users run it (an embedded silo with one device per precision, so each keeps its
/// session as a user's screen does), precisions interleaved pass by pass,
/// with the cosine of each precision's mean embeddings to fp32's.
/// </summary>
internal static class PrecisionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 32);
        var repeats = arguments.Int("--repeats", 2);
        var layers = arguments.Int("--layers", 4);
        var budget = arguments.Int("--max-tokens", new BatchPlannerOptions().MaxTokensPerBatch);
        var withFp16 = !arguments.Has("--no-fp16");
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--fasta"), count, minLength: 79, maxLength: 1999);

        var width = new DemoModelSpec { HiddenSize = 1280, Heads = 20, IntermediateSize = 5120, Esm1b = true };
        Console.WriteLine($"CPU, {Environment.ProcessorCount} cores; input: {sequences.Count} sequences from {source}; token budget {budget}");

        var (fp32Peak, int8Peak) = GemmProbe.Measure(budget, 1280, 5120, runs: 3);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GEMM peak, [{budget} x 1280] x [1280 x 5120]: float32 MatMul {fp32Peak:F0} GFLOP/s, int8 DynamicQuantizeMatMul {int8Peak:F0} GFLOP/s ({int8Peak / fp32Peak:F2}x)"));

        if (!arguments.Has("--no-candidates"))
        {
            using var oneLayer = new BenchModel(width with { Layers = 1 });
            Console.WriteLine();
            Console.WriteLine($"int8 candidates, {oneLayer.Description}, bare session over the planned batches:");
            await CandidatesAsync(oneLayer, sequences, budget, repeats);
        }

        using var model = new BenchModel(width with { Layers = layers });
        var precisions = new List<(string Name, string Folder)>
        {
            ("fp32", model.Convert()),
            ("int8", model.Convert(precision: WeightPrecision.Int8)),
        };
        if (withFp16)
        {
            precisions.Add(("fp16", model.Convert(precision: WeightPrecision.Fp16)));
        }

        Console.WriteLine();
        Console.WriteLine($"end to end: {model.Description}, cluster with one embedded silo and one device:");
        await EndToEndAsync(precisions, sequences, budget, repeats, (fp32Peak, int8Peak), layers);
        return 0;
    }

    private static async Task CandidatesAsync(BenchModel model, IReadOnlyList<string> sequences, int budget, int repeats)
    {
        var candidates = new List<(string Name, EncoderSession Session)> { ("fp32 MatMul", EncoderSession.Open(model.Convert())) };
        foreach (var scheme in Enum.GetValues<Int8Scheme>())
        {
            candidates.Add(($"int8 {scheme}", EncoderSession.Open(model.Convert(precision: WeightPrecision.Int8, int8Scheme: scheme))));
        }

        try
        {
            var batches = Plan(candidates[0].Session, sequences, budget);
            var means = new float[candidates.Count][];
            foreach (var (candidate, index) in candidates.Select((c, i) => (c, i)))
            {
                means[index] = batches.SelectMany(b => candidate.Session.Run(b).Pooled).ToArray();
            }

            var seconds = await InterleavedPasses.MeasureAsync(
                candidates.Select(c => (c.Name, (Func<Task>)(() => { batches.ForEach(b => c.Session.Run(b)); return Task.CompletedTask; }))).ToList(),
                repeats);
            Console.WriteLine("| operator | seconds per pass | speed-up vs fp32 | min / median cosine to fp32 |");
            Console.WriteLine("|---|---:|---:|---:|");
            for (var c = 0; c < candidates.Count; c++)
            {
                var cosines = EmbeddingAgreement.Cosines(means[c], means[0], 1280);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {candidates[c].Name} | {seconds[c]:F2} | {seconds[0] / seconds[c]:F2}x | {cosines.Min():F5} / {EmbeddingAgreement.Median(cosines):F5} |"));
            }
        }
        finally
        {
            candidates.ForEach(c => c.Session.Dispose());
        }
    }

    private static async Task EndToEndAsync(
        List<(string Name, string Folder)> precisions, IReadOnlyList<string> sequences, int budget, int repeats, (double Fp32, double Int8) peaks, int layers)
    {
        var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();

        // One embedded cluster per precision: a device grain keeps one model's session, so sharing one device would
        // reopen (hash, optimize, prepack) a model on every pass, which a user's screen pays once.
        var clusters = new List<EmbeddedCluster>();
        foreach (var _ in precisions)
        {
            clusters.Add(await EmbeddedCluster.StartAsync(new DeviceOptions { Count = 1 }, CancellationToken.None));
        }

        var drivers = clusters.Select(c => new JobDriver(c.Grains, new ScreenOptions { MaxTokensPerBatch = budget })).ToList();
        var embeddings = precisions.Select(_ => new float[records.Count][]).ToArray();
        var run = 0;
        Func<Task> Screen(int p) => async () =>
        {
            var rows = 0;
            await drivers[p].RunAsync($"precision-{run++}", precisions[p].Folder, records.ToAsyncEnumerable(), row =>
            {
                embeddings[p][int.Parse(row.Id.AsSpan(1), CultureInfo.InvariantCulture)] = row.Embedding ?? throw new InvalidOperationException($"{row.Id}: {row.Error ?? row.DeviceError}");
                rows++;
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
            if (rows != records.Count)
            {
                throw new InvalidOperationException($"The cluster returned {rows} rows for {records.Count} records.");
            }
        };

        // Warm-up: arenas, kernels, grain activations, one session per model.
        for (var p = 0; p < precisions.Count; p++)
        {
            await Screen(p)();
        }

        // The same int8 model in a bare session over the planner's batches: what the cluster adds to int8's pass.
        using var bare = EncoderSession.Open(precisions[1].Folder);
        var batches = Plan(bare, sequences, budget);
        bare.Run(batches[^1]);
        var methods = precisions.Select((p, i) => (p.Name, Screen(i))).ToList();
        methods.Add(("int8, bare session", () => { batches.ForEach(b => bare.Run(b)); return Task.CompletedTask; }));
        var seconds = await InterleavedPasses.MeasureAsync(methods, repeats);
        foreach (var cluster in clusters)
        {
            await cluster.DisposeAsync();
        }

        var residues = batches.Sum(b => b.RealTokens - (2L * b.BatchSize));
        var paddedTokens = batches.Sum(b => b.PaddedTokens);
        var linearFlops = 24.0 * 1280 * 1280 * layers * paddedTokens;
        var attentionFlops = 4.0 * 1280 * layers * batches.Sum(b => (double)b.PaddedTokens * b.SequenceLength);

        Console.WriteLine("| precision | seconds per pass | sequences/s | residues/s | vs fp32 | min / median cosine to fp32 | Linear GFLOP/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        for (var p = 0; p < precisions.Count; p++)
        {
            var cosines = EmbeddingAgreement.Cosines(embeddings[p].SelectMany(e => e).ToArray(), embeddings[0].SelectMany(e => e).ToArray(), 1280);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {precisions[p].Name} | {seconds[p]:F2} | {sequences.Count / seconds[p]:F2} | {residues / seconds[p]:F0} | {seconds[0] / seconds[p]:F2}x | {cosines.Min():F5} / {EmbeddingAgreement.Median(cosines):F5} | {linearFlops / seconds[p] / 1e9:F0} |"));
        }

        // Where the time goes: the Linear layers at the GEMM peak measured above; the rest is attention, LayerNorm,
        // GELU, quantizing activations and the cluster's own work.
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{paddedTokens} padded tokens; Linear work {linearFlops / 1e12:F2} TFLOP per pass: at the measured peaks {linearFlops / peaks.Fp32 / 1e9:F2} s fp32 ({linearFlops / peaks.Fp32 / 1e9 / seconds[0]:P0} of its pass), {linearFlops / peaks.Int8 / 1e9:F2} s int8 ({linearFlops / peaks.Int8 / 1e9 / seconds[1]:P0} of its pass)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"attention (QK^T, PV; float32 at every precision) {attentionFlops / 1e12:F3} TFLOP per pass: {attentionFlops / peaks.Fp32 / 1e9:F2} s at the float32 peak ({attentionFlops / peaks.Fp32 / 1e9 / seconds[1]:P0} of int8's pass)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"int8 bare session {seconds[^1]:F2} s per pass: the cluster adds {seconds[1] - seconds[^1]:F2} s ({(seconds[1] - seconds[^1]) / seconds[1]:P0} of int8's pass)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"int8 / fp32 end to end: {seconds[0] / seconds[1]:F2}x over {repeats} interleaved passes"));
    }

    private static List<EncodedBatch> Plan(EncoderSession session, IReadOnlyList<string> sequences, int budget)
    {
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = sequences.Select(tokenizer.Encode).ToList();
        return new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = budget }).Plan(encoded.Select(e => e.Length).ToList())
            .Select(b => EncodedBatch.Create(b.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId))
            .ToList();
    }
}
