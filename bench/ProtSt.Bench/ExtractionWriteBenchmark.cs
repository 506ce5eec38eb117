using System.Diagnostics;
using System.Globalization;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Bench;

/// <summary>
/// <c>extraction-write</c>: what writing every residue's last-layer state costs at a real model shape (ESM-2 150M's by
/// default: 30 layers of 640, 20 heads, random weights): mean-only sequences/s against per-residue computed and written
/// to residues.parquet (synced to disk each pass), and the bytes the latter writes per second beside the disk's own
/// sequential write rate, measured in the same run (a 1 GiB file written in 4 MiB blocks and synced) before and after.
/// </summary>
internal static class ExtractionWriteBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var width = arguments.Int("--width", 640);
        var spec = new DemoModelSpec { Layers = arguments.Int("--model-layers", 30), HiddenSize = width, Heads = arguments.Int("--heads", 20), IntermediateSize = 4 * width };
        var count = arguments.Int("--sequences", 8);
        var repeats = arguments.Int("--repeats", 2);
        var diskMiB = arguments.Int("--disk-mib", 1024);
        var work = arguments.String("--work") ?? Path.Combine(Path.GetTempPath(), "protst-extraction-write");
        Directory.CreateDirectory(work);
        var sequences = BenchInput.Synthetic(count, seed: 150, arguments.Int("--min-length", 50), arguments.Int("--mean-extra", 60), arguments.Int("--max-length", 200)).ToList();

        using var model = new BenchModel(spec);
        using var session = EncoderSession.Open(model.Convert(), arguments.Inference());
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = sequences.Select(tokenizer.Encode).ToList();
        var plan = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = arguments.Int("--max-tokens", 4096) }).Plan(encoded.Select(e => e.Length).ToList());
        var batches = plan.Select(b => (Rows: b.Indices, Batch: EncodedBatch.Create(b.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId))).ToList();
        var layers = session.Manifest.NumLayers;
        long written = 0;

        async Task PerResidueAsync()
        {
            var folder = Path.Combine(work, "pass");
            Directory.CreateDirectory(folder);
            var state = new float[width];
            await using (var residues = ResiduesTable.Create(folder))
            {
                foreach (var (rows, batch) in batches)
                {
                    var outputs = session.Run(batch, OutputRequest.Default.And(OutputKind.Residues));
                    for (var row = 0; row < rows.Count; row++)
                    {
                        for (var position = 1; position <= encoded[rows[row]].ResidueCount; position++)
                        {
                            outputs.Hidden(row, position).CopyTo(state);
                            await residues.WriteAsync($"P{rows[row]}", [layers, position], state, CancellationToken.None);
                        }
                    }
                }
            }

            written = new FileInfo(ResiduesTable.PathIn(folder)).Length;
        }

        (string Name, Func<Task> Run)[] methods =
        [
            ("mean only", () =>
            {
                foreach (var (_, batch) in batches)
                {
                    session.Run(batch, OutputRequest.Default);
                }

                return Task.CompletedTask;
            }),
            ("per-residue (last layer), written to residues.parquet", PerResidueAsync),
        ];

        Console.WriteLine($"model: {model.Description}, fp32, {Environment.ProcessorCount} cores, load {ProcStat.LoadAverage():F2}");
        Console.WriteLine($"input: {sequences.Count} synthetic sequences, {encoded.Sum(e => e.ResidueCount)} residues, {batches.Count} batches; work folder {work}");
        var diskBefore = DiskWriteMiBPerSecond(Path.Combine(work, "disk.bin"), diskMiB);
        foreach (var (_, run) in methods)
        {
            await run();
        }

        var seconds = await InterleavedPasses.MeasureAsync(methods, repeats);
        var diskAfter = DiskWriteMiBPerSecond(Path.Combine(work, "disk.bin"), diskMiB);
        Directory.Delete(Path.Combine(work, "pass"), recursive: true);

        Console.WriteLine();
        Console.WriteLine("| run | seconds per pass | sequences/s | vs mean only | written MiB/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {methods[0].Name} | {seconds[0]:F2} | {count / seconds[0]:F2} | 1.000 | |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {methods[1].Name} | {seconds[1]:F2} | {count / seconds[1]:F2} | {seconds[0] / seconds[1]:F3} | {written / 1048576.0 / seconds[1]:F1} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"residues.parquet: {written / 1048576.0:F1} MiB per pass; the disk's sequential write rate ({diskMiB} MiB in 4 MiB blocks, synced): {diskBefore:F0} MiB/s before the passes, {diskAfter:F0} MiB/s after; load {ProcStat.LoadAverage():F2}"));
        return 0;
    }

    private static double DiskWriteMiBPerSecond(string path, int mebibytes)
    {
        var block = new byte[4 << 20];
        Random.Shared.NextBytes(block);
        var clock = Stopwatch.StartNew();
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (var written = 0; written < mebibytes; written += 4)
            {
                stream.Write(block);
            }

            stream.Flush(flushToDisk: true);
        }

        var rate = mebibytes / clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return rate;
    }
}
