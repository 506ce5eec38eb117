using System.Diagnostics;
using System.Globalization;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Bench;

/// <summary>Plain ONNX operators against ONNX Runtime's fused operators, same weights, same batches, interleaved runs.</summary>
internal static class GraphVariantBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 192);
        var repeats = arguments.Int("--repeats", 3);
        var budget = arguments.Int("--max-tokens", 16384);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--fasta"), count);

        using var model = new BenchModel(DemoModelSpec.Esm2_8M);
        var spec = model.Spec;
        var variants = new[] { GraphVariant.Plain, GraphVariant.Fused };
        var inference = arguments.Inference();
        var sessions = variants.Select(v => EncoderSession.Open(model.Convert(v), inference)).ToArray();

        var tokenizer = sessions[0].Folder.CreateTokenizer();
        var encoded = sequences.Select(tokenizer.Encode).ToList();
        var plan = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = budget }).Plan(encoded.Select(e => e.Length).ToList());
        var batches = plan.Select(b => EncodedBatch.Create(b.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId)).ToList();
        var realTokens = batches.Sum(b => b.RealTokens);

        Console.WriteLine($"model: untrained ESM-2 8M shape ({spec.Layers} layers, {spec.HiddenSize} wide, {spec.Heads} heads), fp32, CPU, {Environment.ProcessorCount} cores");
        Console.WriteLine($"input: {sequences.Count} sequences from {source}; {batches.Count} batches, {realTokens} real tokens, padding efficiency {(double)realTokens / batches.Sum(b => b.PaddedTokens):P1}");

        // Warm-up: first runs allocate arenas and pick kernels.
        foreach (var session in sessions)
        {
            session.Run(batches[^1]);
        }

        var seconds = new double[variants.Length];
        for (var r = 0; r < repeats; r++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                var stopwatch = Stopwatch.StartNew();
                foreach (var batch in batches)
                {
                    sessions[v].Run(batch);
                }

                seconds[v] += stopwatch.Elapsed.TotalSeconds;
            }
        }

        var maxDiff = batches.Max(b =>
        {
            var plain = sessions[0].Run(b).Pooled;
            var fused = sessions[1].Run(b).Pooled;
            return plain.Zip(fused, (x, y) => Math.Abs(x - y)).Max();
        });

        Console.WriteLine();
        Console.WriteLine("| graph | seconds per pass | sequences/s | tokens/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var v = 0; v < variants.Length; v++)
        {
            var perPass = seconds[v] / repeats;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variants[v].ToString().ToLowerInvariant()} | {perPass:F2} | {sequences.Count / perPass:F1} | {realTokens / perPass:F0} |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fused / plain throughput: {seconds[0] / seconds[1]:F2}x over {repeats} interleaved passes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |fused - plain| on mean embeddings: {maxDiff:G3}"));
        foreach (var session in sessions)
        {
            session.Dispose();
        }

        return 0;
    }
}
