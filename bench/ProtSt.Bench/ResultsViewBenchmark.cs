using System.Diagnostics;
using System.Globalization;
using System.Text;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Pipeline;
using ProtSt.Silo.JobOutputs;

namespace ProtSt.Bench;

/// <summary>
/// What the job view's results cost the silo: a page of a million-row results.tsv (read once, then sliced, sorted,
/// filtered, from its index or all in memory), and the embedding map's work per row (fold into the PCA, project) at a model's embedding width.
/// </summary>
internal static class ResultsViewBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var rows = arguments.Int("--rows", 1_000_000);
        var classes = arguments.Int("--classes", 10);
        var width = arguments.Int("--width", 1280);
        var mapRows = arguments.Int("--map-rows", 20_000);
        var pages = arguments.Int("--pages", 200);
        var partRows = arguments.Int("--part-rows", 256);
        var work = Directory.CreateTempSubdirectory("protst-results-bench-");
        try
        {
            Console.WriteLine($"{Environment.ProcessorCount} cores; results.tsv of {rows:N0} rows x {classes} classes; map of {mapRows:N0} rows x {width} wide");
            var names = Enumerable.Range(0, classes).Select(i => $"class{i}").ToList();
            var random = new Random(7);

            // The job as a cluster writes it: parts of --part-rows rows, each indexed by its shard, then assembled.
            var partDirectories = new List<string>();
            var indexing = TimeSpan.Zero;
            for (var start = 0; start < rows; start += partRows)
            {
                var part = Path.Combine(work.FullName, "parts", $"shard-{partDirectories.Count:D6}");
                Directory.CreateDirectory(part);
                await WriteResultsAsync(part, start, Math.Min(partRows, rows - start), names, random);

                // Published, as far as the silo's listing of parts looks (a part.json beside its files).
                await File.WriteAllTextAsync(Path.Combine(part, PartFolder.ResultFile), "{}");
                var indexClock = Stopwatch.StartNew();
                await ResultsIndex.WriteAsync(part, CancellationToken.None);
                indexing += indexClock.Elapsed;
                partDirectories.Add(part);
            }

            await AssembleAsync(partDirectories, work.FullName);
            var clock = Stopwatch.StartNew();
            await ResultsIndex.ConcatenateAsync(partDirectories, work.FullName, CancellationToken.None);
            Console.WriteLine($"index: written by the shards {indexing.TotalMicroseconds / rows:F2} us/row ({partDirectories.Count} parts), assembled in {clock.Elapsed.TotalMilliseconds:F0} ms, {new FileInfo(ResultsIndex.PathIn(work.FullName)).Length / 1e6:F1} MB");

            // What a parts-layout job's coordinator writes as it completes: one index of all the parts.
            var partsDirectory = Path.Combine(work.FullName, "parts");
            clock.Restart();
            await ResultsIndex.WritePartsAsync(partDirectories, partsDirectory, CancellationToken.None);
            Console.WriteLine($"job-wide index of the parts: written in {clock.Elapsed.TotalMilliseconds:F0} ms, {new FileInfo(ResultsIndex.PathIn(partsDirectory)).Length / 1e6:F1} MB");

            // Each layout as a silo that has not read the job finds it (JobOutput.PiecesOf): the parts listed (a running
            // job's, or without a job-wide index) or, with one, named and checked against it.
            IReadOnlyList<ResultPiece> Assembled() => [ResultPiece.ReadAsync(work.FullName, CancellationToken.None).GetAwaiter().GetResult()];
            IReadOnlyList<ResultPiece> EachPart() => [.. JobOutput.PartsIn(partsDirectory).Select(p => ResultPiece.ReadAsync(p, CancellationToken.None).GetAwaiter().GetResult())];
            IReadOnlyList<ResultPiece> JobWide() => ResultPiece.Of(ResultsIndex.TryOpenParts(partsDirectory, JobOutput.IndexedParts(partsDirectory, partDirectories.Count))!)!;
            var sortByScore = new ResultsSort(ResultsSort.Score, true);
            Console.WriteLine($"| cold page (25 rows): a silo that has not read the job | assembled wall ms | assembled CPU ms | parts ({partDirectories.Count}), each part's index, wall ms | CPU ms | parts, job-wide index, wall ms | CPU ms |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            Cold("record order, random offset", names, t => t.Page(ResultsSort.Default, -1, null, random.Next(rows), 25), Assembled, EachPart, JobWide);
            Cold("by score descending, random offset", names, t => t.Page(sortByScore, -1, null, random.Next(rows), 25), Assembled, EachPart, JobWide);
            Cold("one label by score, first page", names, t => t.Page(sortByScore, random.Next(classes), null, 0, 25), Assembled, EachPart, JobWide);
            Cold("label counts", names, t => t.LabelCounts(), Assembled, EachPart, JobWide);

            clock.Restart();
            File.Move(ResultsIndex.PathIn(work.FullName), ResultsIndex.PathIn(work.FullName) + ".aside");
            var piece = await ResultPiece.ReadAsync(work.FullName, CancellationToken.None);
            var table = new JobRows([piece], names);
            Console.WriteLine($"without an index (an older job), read once: {clock.Elapsed.TotalSeconds:F2} s ({rows / clock.Elapsed.TotalSeconds:N0} rows/s)");
            clock.Restart();
            table.Order(sortByScore);
            Console.WriteLine($"  then the first score sort: {clock.Elapsed.TotalMilliseconds:F0} ms");
            File.Move(ResultsIndex.PathIn(work.FullName) + ".aside", ResultsIndex.PathIn(work.FullName));

            var indexed = new JobRows([await ResultPiece.ReadAsync(work.FullName, CancellationToken.None)], names);
            Console.WriteLine("| warm page (25 rows) | median ms | max ms |");
            Console.WriteLine("|---|---|---|");
            Time("record order, random offset (index + seek)", pages, () => indexed.Page(ResultsSort.Default, -1, null, random.Next(rows), 25));
            Time("by score descending, random offset (index + seek)", pages, () => indexed.Page(sortByScore, -1, null, random.Next(rows), 25));
            Time("one label by score, first page (index + seek)", pages, () => indexed.Page(sortByScore, random.Next(classes), null, 0, 25));
            Time("record order, random offset (all in memory)", pages, () => table.Page(ResultsSort.Default, -1, null, random.Next(rows), 25));
            Time("id contains (P00042), first page (all in memory)", pages, () => table.Page(ResultsSort.Default, -1, "P00042", 0, 25));
            Time("label counts", pages, () => table.LabelCounts());

            var embeddings = Path.Combine(work.FullName, "map");
            Directory.CreateDirectory(embeddings);
            await using (var writer = new EmbeddingParquetWriter(EmbeddingsTable.PathIn(embeddings)))
            {
                var vector = new float[width];
                for (var r = 0; r < mapRows; r++)
                {
                    for (var i = 0; i < width; i++)
                    {
                        vector[i] = (float)(random.NextDouble() - 0.5) * (1 + (i % 5));
                    }

                    await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"P{r:D7}"), vector.ToArray(), CancellationToken.None);
                }
            }

            clock.Restart();
            var pca = new PcaAccumulator(width);
            await foreach (var row in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(embeddings), withFeature: false, CancellationToken.None))
            {
                pca.Add(row.Embedding);
            }

            var fold = clock.Elapsed;
            clock.Restart();
            var (mean, first, second) = pca.Axes();
            var axes = clock.Elapsed;
            clock.Restart();
            double sum = 0;
            await foreach (var row in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(embeddings), withFeature: false, CancellationToken.None))
            {
                sum += PcaAccumulator.Project(row.Embedding, mean, first, second).X;
            }

            var project = clock.Elapsed;
            Console.WriteLine($"map: read + fold {fold.TotalMicroseconds / mapRows:F1} us/row, axes {axes.TotalMilliseconds:F0} ms per map, read + project {project.TotalMicroseconds / mapRows:F1} us/row (checksum {sum:F3})");
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static void Time(string what, int repeats, Action page)
    {
        page();
        var times = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            page();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {times[times.Count / 2]:F3} | {times[^1]:F3} |"));
    }

    // A silo that has not read the job: the index (or parts) read, the order built, one page sliced; median of 5.
    private static void Cold(string what, List<string> names, Func<JobRows, object> page, params Func<IReadOnlyList<ResultPiece>>[] layouts)
    {
        // Wall time, and this process's CPU time: the cores are shared, so the wall clock also counts others' work.
        (double Wall, double Cpu) Median(Func<IReadOnlyList<ResultPiece>> read)
        {
            var times = new List<(double Wall, double Cpu)>();
            using var process = Process.GetCurrentProcess();
            for (var i = 0; i < 5; i++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                page(new JobRows(read(), names));
                var wall = clock.Elapsed.TotalMilliseconds;
                process.Refresh();
                times.Add((wall, (process.TotalProcessorTime - cpu).TotalMilliseconds));
            }

            return (times.Select(t => t.Wall).Order().ElementAt(2), times.Select(t => t.Cpu).Order().ElementAt(2));
        }

        var medians = layouts.Select(Median).ToList();
        Console.WriteLine($"| {what} | " + string.Join(" | ", medians.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Wall:F1} | {m.Cpu:F1}"))) + " |");
    }

    // What PartAssembler does to results.tsv: the first part whole, the others after their header line.
    private static async Task AssembleAsync(List<string> parts, string output)
    {
        await using var target = File.Create(ResultsTable.PathIn(output));
        for (var i = 0; i < parts.Count; i++)
        {
            var bytes = await File.ReadAllBytesAsync(ResultsTable.PathIn(parts[i]));
            var skip = i == 0 ? 0 : Array.IndexOf(bytes, (byte)'\n') + 1;
            await target.WriteAsync(bytes.AsMemory(skip));
        }
    }

    private static async Task WriteResultsAsync(string directory, int first, int rows, List<string> names, Random random)
    {
        await using var writer = new StreamWriter(ResultsTable.PathIn(directory), false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        await writer.WriteLineAsync(ResultsTable.Header(new ScoreColumns(ScoreColumns.ZeroShotPrefix, names)));
        var scores = new float[names.Count];
        var line = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < scores.Length; c++)
            {
                scores[c] = (float)((random.NextDouble() * 20) - 10);
            }

            line.Clear().Append(CultureInfo.InvariantCulture, $"P{first + r:D7}\t{random.Next(50, 1000)}\tfalse\t{names[Model.Inference.ZeroShotScorer.ArgMax(scores)]}");
            foreach (var s in scores)
            {
                line.Append('\t').Append(s.ToString("R", CultureInfo.InvariantCulture));
            }

            await writer.WriteLineAsync(line);
        }
    }
}
