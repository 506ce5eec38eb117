using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// ProtST zero-shot localization two ways on the same sequences and model: (a) the published method, batch size 1 in
/// input order (encoder, projection, scores against the 10 label features computed once); (b) our cluster job, one
/// embedded silo with token-budget batches. Both must predict the same labels; the ratio and a projection to 33
/// layers are reported.
/// </summary>
internal static class ZeroShotBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 64);
        var layers = arguments.Int("--protein-layers", 1);
        var repeats = arguments.Int("--repeats", 1);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--input"), count, minLength: 79, maxLength: 1999, sharedDefault: "data/subloc-test.csv");

        var scratch = Path.Combine(Path.GetTempPath(), "protst-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (model, manifest) = BenchModel.ConvertProtSt(scratch, layers);
            var labels = LabelSet.Read(Path.Combine(AppContext.BaseDirectory, "configs", "labels", "subcellular-localization.tsv"));
            var prompts = labels.Prompts(LabelField.Name);

            var inference = arguments.Inference();
            using var sessions = ModelSessions.Open(model, inference);
            var tokenizer = sessions.Folder.CreateTokenizer();
            var encoded = sequences.Select(tokenizer.Encode).ToList();
            var residues = encoded.Sum(e => (long)e.ResidueCount);
            var text = sessions.Text.Embed(prompts);
            var scorer = new ZeroShotScorer(text.Features, text.Count, text.FeatureWidth, manifest.LogitScale!.Value);

            Console.WriteLine($"model: untrained ProtST with ESM-1b's width ({layers} of 33 protein layers x 1280, 20 heads; text 1 x 768; projection 512), fp32, fused graph, CPU, {Environment.ProcessorCount} cores");
            Console.WriteLine($"input: {sequences.Count} sequences from {source}, {residues} residues after truncation at 1,022");

            var published = new int[sequences.Count];

            await using var cluster = await EmbeddedCluster.StartAsync(new DeviceOptions { Count = 1, Inference = inference }, CancellationToken.None);
            var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();
            var ours = new int[sequences.Count];
            var run = 0;
            async Task Cluster()
            {
                // Label prompts are embedded on a device once per job, as every zero-shot job does.
                var driver = new JobDriver(cluster.Grains, new ScreenOptions(), new DrivenTask(JobTaskResolver.ZeroShot, labels.Source));
                var row = 0;
                await driver.RunAsync($"zero-shot-{run++}", model, records.ToAsyncEnumerable(), r =>
                {
                    ours[row++] = ZeroShotScorer.ArgMax(r.Scores);
                    return ValueTask.CompletedTask;
                }, CancellationToken.None);
            }

            // Warm-up on a few sequences: arenas, kernels, grain activations.
            sessions.Run(EncodedBatch.Create([encoded[0]], tokenizer.PadId));
            await TextEmbedder.EmbedLabelsAsync(cluster.Grains, model, prompts, manifest.LogitScale.Value, new ScreenOptions().TextEmbeddingTimeout, CancellationToken.None);

            var methods = new (string Name, Func<Task> Run)[]
            {
                ("(a) published: batch size 1, input order", () => { PublishedZeroShot.Run(sessions, encoded, tokenizer.PadId, scorer, published); return Task.CompletedTask; }),
                ("(b) cluster job, one embedded silo, token-budget batches", Cluster),
            };
            var seconds = await InterleavedPasses.MeasureAsync(methods, repeats);

            var agree = published.Zip(ours).Count(p => p.First == p.Second);
            if (agree != sequences.Count)
            {
                // Equal work must give equal answers; a faster wrong answer is no result.
                Console.Error.WriteLine($"error: the methods disagree on {sequences.Count - agree} of {sequences.Count} predictions");
                return 1;
            }

            Console.WriteLine();
            Console.WriteLine("| method | seconds | sequences/s | residues/s | projected s/sequence at 33 layers |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            for (var m = 0; m < methods.Length; m++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {methods[m].Name} | {seconds[m]:F1} | {sequences.Count / seconds[m]:F2} | {residues / seconds[m]:F0} | {seconds[m] / sequences.Count * 33 / layers:F2} |"));
            }

            Console.WriteLine();
            double Hours(double s) => s / sequences.Count * 2768 * 33 / layers / 3600;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(b)/(a) = {seconds[0] / seconds[1]:F2}x; predictions agree on {agree}/{sequences.Count}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"projected wall time for the 2,768-sequence split at 33 layers (encoder layers scale linearly; embedding, projection and scoring counted once): (a) {Hours(seconds[0]):F1} h, (b) {Hours(seconds[1]):F1} h"));
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
