using System.Globalization;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Bench;

/// <summary>
/// What the extraction graphs cost and what they leave alone: the mean-only path through the session before this work
/// (the bare encoder run) and after (the request-aware run), every layer's means through the layers graph (fused and
/// plain, with and without a contact head in the checkpoint), and contacts through the contacts graph, alone and with
/// every layer. Same batches, interleaved passes.
/// </summary>
internal static class ExtractionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 48);
        var repeats = arguments.Int("--repeats", 3);
        var budget = arguments.Int("--max-tokens", 8192);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--fasta"), count);
        var inference = arguments.Inference();

        // The same encoder weights with and without a contact head: the head's tensors are drawn last.
        using var withHead = new BenchModel(DemoModelSpec.Esm2_8M with { ContactHead = true });
        using var withoutHead = new BenchModel(DemoModelSpec.Esm2_8M);
        var fused = withHead.Convert();
        var plain = withHead.Convert(GraphVariant.Plain);
        var noHead = withoutHead.Convert();
        var unchanged = FileHash.Sha256(Path.Combine(fused, ModelConverter.OnnxFileName)) == FileHash.Sha256(Path.Combine(noHead, ModelConverter.OnnxFileName));

        using var session = EncoderSession.Open(fused, inference);
        using var plainSession = EncoderSession.Open(plain, inference);
        using var noHeadSession = EncoderSession.Open(noHead, inference);

        // Fresh sessions for the head folder's layer row, so it shows which graph a layer request opens there.
        using var layersSession = EncoderSession.Open(fused, inference);
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = sequences.Select(tokenizer.Encode).ToList();
        var plan = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = budget }).Plan(encoded.Select(e => e.Length).ToList());
        var batches = plan.Select(b => EncodedBatch.Create(b.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId)).ToList();
        var realTokens = batches.Sum(b => b.RealTokens);
        var layers = session.Manifest.NumLayers;
        var allLayers = new OutputRequest { Kinds = OutputKind.Pooled | OutputKind.Layers, Layers = [.. Enumerable.Range(0, layers + 1)] };

        (string Name, Func<EncodedBatch, BatchOutputs> Run)[] all =
        [
            ("mean only, before (bare encoder run)", b => session.Run(b, new float[b.BatchSize * session.HiddenSize], null)),
            ("mean only, after (request-aware run)", b => session.Run(b, OutputRequest.Default)),
            ("per-residue, last layer (encoder graph)", b => session.Run(b, OutputRequest.Default.And(OutputKind.Residues))),
            ("mean only, plain encoder graph", b => plainSession.Run(b, OutputRequest.Default)),
            ("every layer's mean + <cls>, no contact head (fused layers graph)", b => noHeadSession.Run(b, allLayers.And(OutputKind.Bos))),
            ("every layer's mean + <cls>, with contact head (fused layers graph)", b => layersSession.Run(b, allLayers.And(OutputKind.Bos))),
            ("every layer's mean + <cls>, plain folder (plain layers graph)", b => plainSession.Run(b, allLayers.And(OutputKind.Bos))),
            ("contacts (contacts graph)", b => session.Run(b, OutputRequest.Default.And(OutputKind.Contacts))),
            ("contacts + every layer's mean + <cls> (contacts graph, one pass)", b => session.Run(b, allLayers.And(OutputKind.Bos | OutputKind.Contacts))),
        ];

        // --mean-only: just the before/after pair, so more passes fit when only the ratio is wanted.
        var methods = arguments.Has("--mean-only") ? all[..2] : all;

        Console.WriteLine($"model: {withHead.Description}, fp32, {(inference.ExecutionProvider == ExecutionProvider.Cuda ? "CUDA" : "CPU")}, {Environment.ProcessorCount} cores; contact head {layers} x {withHead.Spec.Heads} weights");
        Console.WriteLine($"input: {sequences.Count} sequences from {source}; {batches.Count} batches under {budget} tokens, {realTokens} real tokens");
        Console.WriteLine($"encoder graph (model.onnx) byte-identical with and without a contact head and extraction graphs: {unchanged}");
        foreach (var (name, folder) in new[] { ("fused, contact head", fused), ("plain, contact head", plain), ("fused, no contact head", noHead) })
        {
            var files = Directory.GetFiles(folder, "*.onnx*").Order().Select(f => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f)} {new FileInfo(f).Length / 1048576.0:F1}"));
            Console.WriteLine($"folder ({name}), MiB: {string.Join(", ", files)}");
        }

        // Warm-up: first runs allocate arenas, pick kernels and open the extraction sessions.
        foreach (var (_, run) in methods)
        {
            run(batches[^1]);
        }

        var seconds = await InterleavedPasses.MeasureAsync(
            methods.Select(m => (m.Name, (Func<Task>)(() =>
            {
                foreach (var batch in batches)
                {
                    m.Run(batch);
                }

                return Task.CompletedTask;
            }))).ToList(),
            repeats);

        Console.WriteLine();
        Console.WriteLine("| run | seconds per pass | sequences/s | vs mean only (after) |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var m = 0; m < methods.Length; m++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {methods[m].Name} | {seconds[m]:F2} | {sequences.Count / seconds[m]:F1} | {seconds[1] / seconds[m]:F3} |"));
        }

        Console.WriteLine();
        if (!arguments.Has("--mean-only"))
        {
            Console.WriteLine($"graphs the head folder's layer request opened: {string.Join(", ", layersSession.OpenedExtractionGraphs.Select(Path.GetFileName))}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean only after / before (throughput): {seconds[0] / seconds[1]:F3} over {repeats} interleaved passes"));
        return 0;
    }
}
