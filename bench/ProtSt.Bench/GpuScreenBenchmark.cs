using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// The figure bench/gpu/run.sh exists for: a converted ProtST zero-shot model screening a FASTA file (the DeepLoc test
/// set) on one accelerator, (a) by the published batch-size-1 method and (b) through the cluster with one device.
/// Reports sequences/s, padded tokens/s, useful encoder TFLOP/s and their share of the accelerator's dense peak, and
/// (b)/(a); appends one tab-separated row per method to <c>--out</c>.
/// </summary>
internal static class GpuScreenBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var model = arguments.String("--model") ?? throw new ArgumentException("gpu-screen needs --model <converted ProtST zero-shot folder>.");
        var fasta = arguments.String("--fasta") ?? throw new ArgumentException("gpu-screen needs --fasta <sequences>.");
        var inference = arguments.Inference() with { VerifyModelHash = false };
        var budget = arguments.Int("--max-tokens", inference.TokensPerBatch);
        var peakTflops = arguments.Double("--peak-tflops", 790);
        var label = arguments.String("--label") ?? Path.GetFileName(Path.GetFullPath(model));
        var (sequences, source) = await BenchInput.LoadAsync(fasta, arguments.Int("--sequences", int.MaxValue));

        CudaDevices.EnsureAvailable(inference);
        using var sessions = ModelSessions.Open(model, inference);
        var manifest = sessions.Folder.Manifest;
        var tokenizer = sessions.Folder.CreateTokenizer();
        var encoded = sequences.Select(tokenizer.Encode).ToList();
        var tokens = encoded.Sum(e => (long)e.Ids.Length);
        var usefulFlops = encoded.Sum(e => EncoderFlops(manifest.NumLayers, manifest.HiddenSize, manifest.IntermediateSize, e.Ids.Length));
        var labels = LabelSet.Read(arguments.String("--labels") ?? Path.Combine(AppContext.BaseDirectory, "configs", "labels", "subcellular-localization.tsv"));
        var prompts = labels.Prompts(LabelField.Name);
        var text = sessions.Text.Embed(prompts);
        var scorer = new ZeroShotScorer(text.Features, text.Count, text.FeatureWidth, manifest.LogitScale!.Value);

        Console.WriteLine($"model: {model} ({manifest.NumLayers} layers x {manifest.HiddenSize}, {label}) on {CudaDevices.Describe(inference)}, {Environment.ProcessorCount} cores");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"input: {sequences.Count} sequences from {source}, {tokens} tokens after truncation; useful encoder work {usefulFlops / 1e12:F4} TFLOP; cluster token budget {budget}"));

        await using var cluster = await EmbeddedCluster.StartAsync(new DeviceOptions { Count = 1, Inference = inference }, CancellationToken.None);
        var screen = new ScreenOptions { MaxTokensPerBatch = budget };
        var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();
        var published = new int[sequences.Count];
        var ours = new int[sequences.Count];
        long clusterPadded = 0;
        var run = 0;
        async Task Cluster(IReadOnlyList<SequenceRecord> input)
        {
            // The job embeds the label prompts on a device once, as every zero-shot job does.
            var driver = new JobDriver(cluster.Grains, screen, new DrivenTask(JobTaskResolver.ZeroShot, labels.Source));
            var row = 0;
            var snapshot = await driver.RunAsync($"gpu-screen-{run++}", model, input.ToAsyncEnumerable(), r =>
            {
                ours[row++] = ZeroShotScorer.ArgMax(r.Scores);
                return ValueTask.CompletedTask;
            }, CancellationToken.None);
            clusterPadded = snapshot.PaddedTokens;
        }

        // Warm-up on a few sequences: kernels, arenas, grain activations.
        var warm = Math.Min(16, encoded.Count);
        PublishedZeroShot.Run(sessions, encoded[..warm], tokenizer.PadId, scorer, published);
        await Cluster(records[..warm]);

        var methods = new (string Name, Func<Task> Run)[]
        {
            ("(a) published: batch size 1, input order", () => { PublishedZeroShot.Run(sessions, encoded, tokenizer.PadId, scorer, published); return Task.CompletedTask; }),
            ("(b) cluster, one device, token-budget batches", () => Cluster(records)),
        };
        var seconds = await InterleavedPasses.MeasureAsync(methods, repeats: 1);
        long[] padded = [tokens, clusterPadded];
        var agree = published.Zip(ours).Count(p => p.First == p.Second);

        var rows = new List<string>();
        Console.WriteLine();
        Console.WriteLine("| method | seconds | sequences/s | padded tokens/s | useful TFLOP/s | share of peak |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (var m = 0; m < methods.Length; m++)
        {
            var tflops = usefulFlops / seconds[m] / 1e12;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {methods[m].Name} | {seconds[m]:F2} | {sequences.Count / seconds[m]:F1} | {padded[m] / seconds[m]:F0} | {tflops:F1} | {tflops / peakTflops:P1} |"));
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"{label}\t{(m == 0 ? "published" : "cluster")}\t{sequences.Count}\t{seconds[m]:F3}\t{sequences.Count / seconds[m]:F2}\t{padded[m] / seconds[m]:F0}\t{tflops:F2}\t{tflops / peakTflops:F4}"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(b)/(a) = {seconds[0] / seconds[1]:F2}x; the two methods predict the same label for {agree}/{sequences.Count} sequences; peak taken as {peakTflops} TFLOP/s"));
        if (arguments.String("--out") is { } output)
        {
            if (!File.Exists(output))
            {
                await File.WriteAllTextAsync(output, "label\tmethod\tsequences\tseconds\tsequences_per_s\tpadded_tokens_per_s\tuseful_tflops\tshare_of_peak\n");
            }

            await File.AppendAllLinesAsync(output, rows);
            await File.AppendAllTextAsync(output, string.Create(CultureInfo.InvariantCulture, $"# {label}: (b)/(a) = {seconds[0] / seconds[1]:F3}; predictions agree {agree}/{sequences.Count}\n"));
        }

        return 0;
    }

    /// <summary>
    /// Multiply-add FLOPs of one sequence of <paramref name="tokens"/> through the encoder at batch size 1 (no padding):
    /// per layer the Q, K, V and output projections (4·h²), the feed-forward (2·h·i) and the attention scores and
    /// weighted sum (2·n·h), two FLOPs per multiply-add. Padding is not useful work, so it is not counted.
    /// </summary>
    internal static double EncoderFlops(int layers, int hidden, int intermediate, int tokens) =>
        layers * 2.0 * tokens * ((4.0 * hidden * hidden) + (2.0 * hidden * intermediate) + (2.0 * tokens * hidden));
}
