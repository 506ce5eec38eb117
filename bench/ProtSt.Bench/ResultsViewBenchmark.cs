using System.Diagnostics;
using System.Globalization;
using System.Text;
using ProtSt.Pipeline;
using ProtSt.Silo.JobOutputs;

namespace ProtSt.Bench;

/// <summary>
/// What the job view's results cost the silo: a page of a million-row results.tsv (read once, then sliced, sorted,
/// filtered), and the embedding map's work per row (fold into the PCA, project) at a model's embedding width.
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
        var work = Directory.CreateTempSubdirectory("protst-results-bench-");
        try
        {
            Console.WriteLine($"{Environment.ProcessorCount} cores; results.tsv of {rows:N0} rows x {classes} classes; map of {mapRows:N0} rows x {width} wide");
            var names = Enumerable.Range(0, classes).Select(i => $"class{i}").ToList();
            var random = new Random(7);
            await WriteResultsAsync(work.FullName, rows, names, random);

            var clock = Stopwatch.StartNew();
            var piece = await ResultPiece.ReadAsync(work.FullName, CancellationToken.None);
            var table = new JobRows([piece], names);
            Console.WriteLine($"read once: {clock.Elapsed.TotalSeconds:F2} s ({rows / clock.Elapsed.TotalSeconds:N0} rows/s)");
            clock.Restart();
            table.Order(new ResultsSort(ResultsSort.Score, true));
            Console.WriteLine($"first score sort (once per job and key): {clock.Elapsed.TotalMilliseconds:F0} ms");

            Console.WriteLine("| page (25 rows) | median ms | max ms |");
            Console.WriteLine("|---|---|---|");
            Time("record order, random offset", pages, () => table.Page(ResultsSort.Default, -1, null, random.Next(rows), 25));
            Time("by score descending, random offset", pages, () => table.Page(new ResultsSort(ResultsSort.Score, true), -1, null, random.Next(rows), 25));
            Time("one label by score, first page", pages, () => table.Page(new ResultsSort(ResultsSort.Score, true), random.Next(classes), null, 0, 25));
            Time("id contains (P00042), first page", pages, () => table.Page(ResultsSort.Default, -1, "P00042", 0, 25));
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

    private static async Task WriteResultsAsync(string directory, int rows, List<string> names, Random random)
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

            line.Clear().Append(CultureInfo.InvariantCulture, $"P{r:D7}\t{random.Next(50, 1000)}\tfalse\t{names[Model.Inference.ZeroShotScorer.ArgMax(scores)]}");
            foreach (var s in scores)
            {
                line.Append('\t').Append(s.ToString("R", CultureInfo.InvariantCulture));
            }

            await writer.WriteLineAsync(line);
        }
    }
}
