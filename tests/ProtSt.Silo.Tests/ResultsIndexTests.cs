using System.Globalization;
using System.Text.Json;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Silo.JobOutputs;

namespace ProtSt.Silo.Tests;

/// <summary>
/// results.idx: the index assembled from the parts' indexes is the one the assembled table itself gives, and every page
/// answered from an index (rows read by seeking) equals the page answered from the whole table in memory.
/// </summary>
public sealed class ResultsIndexTests : IDisposable
{
    private static readonly string[] Classes = ["alpha", "beta", "gamma"];
    private readonly TempDirectory _scratch = new();

    [Fact]
    public async Task Pages_from_the_parts_and_assembled_indexes_equal_pages_from_the_whole_tables()
    {
        // Three parts, one empty, with tied scores and ids in no order, as shards write them.
        var random = new Random(3);
        var header = ResultsTable.Header(new ScoreColumns(ScoreColumns.ZeroShotPrefix, Classes));
        string Row(int i)
        {
            var scores = Enumerable.Range(0, Classes.Length).Select(_ => (float)Math.Round((random.NextDouble() * 4) - 2, 1)).ToArray();
            var label = Array.IndexOf(scores, scores.Max());
            return string.Join('\t', [$"p{(i * 7) % 23}_{i}", (10 + i).ToString(CultureInfo.InvariantCulture), i % 5 == 0 ? "true" : "false", Classes[label], .. scores.Select(s => s.ToString(CultureInfo.InvariantCulture))]);
        }

        var partRows = new[] { Enumerable.Range(0, 9).Select(Row).ToList(), new List<string>(), Enumerable.Range(9, 14).Select(Row).ToList() };
        var parts = new List<string>();
        foreach (var lines in partRows)
        {
            var part = _scratch.Combine("parts", $"shard-{parts.Count:D6}");
            Directory.CreateDirectory(part);
            await File.WriteAllLinesAsync(ResultsTable.PathIn(part), [header, .. lines]);
            await ResultsIndex.WriteAsync(part, CancellationToken.None);
            parts.Add(part);
        }

        var assembled = _scratch.Combine("assembled");
        Directory.CreateDirectory(assembled);
        await File.WriteAllLinesAsync(ResultsTable.PathIn(assembled), [header, .. partRows.SelectMany(r => r)]);
        await ResultsIndex.ConcatenateAsync(parts, assembled, CancellationToken.None);
        var direct = _scratch.Combine("direct");
        Directory.CreateDirectory(direct);
        File.Copy(ResultsTable.PathIn(assembled), ResultsTable.PathIn(direct));
        await ResultsIndex.WriteAsync(direct, CancellationToken.None);
        Assert.Equal(await File.ReadAllBytesAsync(ResultsIndex.PathIn(direct)), await File.ReadAllBytesAsync(ResultsIndex.PathIn(assembled)));

        // What a job kept in parts gets as it completes: one index of all its parts.
        var partsDirectory = _scratch.Combine("parts");
        await ResultsIndex.WritePartsAsync(parts, partsDirectory, CancellationToken.None);
        var jobWide = ResultsIndex.TryOpenParts(partsDirectory, parts)!;
        Assert.Equal(parts, jobWide.Directories);

        var whole = _scratch.Combine("whole");
        Directory.CreateDirectory(whole);
        File.Copy(ResultsTable.PathIn(assembled), ResultsTable.PathIn(whole));
        var reference = await RowsAsync([whole]);
        Assert.False((await RowsAsync([assembled])).Pieces[0].HasIds);
        foreach (var indexed in new[] { await RowsAsync([assembled]), await RowsAsync(parts), new JobRows(ResultPiece.Of(jobWide)!, Classes) })
        {
            Assert.Equal(reference.LabelCounts(), indexed.LabelCounts());
            foreach (var sort in new[] { "record", "-record", "score", "-score", "length", "-label" })
            {
                foreach (var label in new[] { -1, 0, 2 })
                {
                    foreach (var (offset, limit) in new[] { (0, 5), (4, 30), (21, 3) })
                    {
                        var order = ResultsSort.Parse(sort).Sort!;
                        Assert.Equal(Json(reference.Page(order, label, null, offset, limit)), Json(indexed.Page(order, label, null, offset, limit)));
                    }
                }
            }

            await indexed.LoadIdsAsync(CancellationToken.None);
            Assert.Equal(Json(reference.Page(new ResultsSort(ResultsSort.Id, true), -1, "P1", 1, 4)), Json(indexed.Page(new ResultsSort(ResultsSort.Id, true), -1, "P1", 1, 4)));
        }
    }

    [Fact]
    public async Task An_index_of_another_table_is_ignored()
    {
        var directory = _scratch.Combine("job");
        Directory.CreateDirectory(directory);
        await File.WriteAllLinesAsync(ResultsTable.PathIn(directory), [ResultsTable.Header(null), "a\t3\tfalse", "b\t4\tfalse"]);
        await ResultsIndex.WriteAsync(directory, CancellationToken.None);
        Assert.NotNull(ResultsIndex.TryOpen(directory));

        await File.AppendAllLinesAsync(ResultsTable.PathIn(directory), ["c\t5\ttrue"]);
        Assert.Null(ResultsIndex.TryOpen(directory));
        var piece = await ResultPiece.ReadAsync(directory, CancellationToken.None);
        Assert.Equal(["a", "b", "c"], piece.Ids);
    }

    [Fact]
    public async Task A_job_wide_index_that_no_longer_matches_its_parts_is_ignored()
    {
        var parts = new List<string>();
        foreach (var lines in new[] { new[] { "a\t3\tfalse", "b\t4\tfalse" }, ["c\t5\ttrue"] })
        {
            var part = _scratch.Combine("parts", $"shard-{parts.Count:D6}");
            Directory.CreateDirectory(part);
            await File.WriteAllLinesAsync(ResultsTable.PathIn(part), [ResultsTable.Header(null), .. lines]);
            await ResultsIndex.WriteAsync(part, CancellationToken.None);
            parts.Add(part);
        }

        var partsDirectory = _scratch.Combine("parts");
        await ResultsIndex.WritePartsAsync(parts, partsDirectory, CancellationToken.None);
        Assert.Equal(3, ResultsIndex.TryOpenParts(partsDirectory, parts)!.Count);
        Assert.Null(ResultsIndex.TryOpen(partsDirectory));

        // Other parts than it indexed (one more, one fewer), or a part rewritten since: the parts' own indexes answer.
        Assert.Null(ResultsIndex.TryOpenParts(partsDirectory, [.. parts, parts[0]]));
        Assert.Null(ResultsIndex.TryOpenParts(partsDirectory, parts[..1]));
        await File.AppendAllLinesAsync(ResultsTable.PathIn(parts[1]), ["d\t6\tfalse"]);
        Assert.Null(ResultsIndex.TryOpenParts(partsDirectory, parts));

        // Written again once a part has no index of its own: none, not the stale one.
        await ResultsIndex.WritePartsAsync(parts, partsDirectory, CancellationToken.None);
        Assert.False(File.Exists(ResultsIndex.PathIn(partsDirectory)));
    }

    public void Dispose() => _scratch.Dispose();

    private static async Task<JobRows> RowsAsync(IReadOnlyList<string> pieces)
    {
        var read = new List<ResultPiece>();
        foreach (var piece in pieces)
        {
            read.Add(await ResultPiece.ReadAsync(piece, CancellationToken.None));
        }

        return new JobRows(read, Classes);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);
}
