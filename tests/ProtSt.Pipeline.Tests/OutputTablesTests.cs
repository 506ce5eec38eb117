using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

public sealed class OutputTablesTests
{
    private static readonly ScoreColumns Columns = new(ScoreColumns.ClassifierPrefix, ["cytoplasm", "nucleus"]);

    private static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> rows)
    {
        var list = new List<T>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }

    [Fact]
    public async Task Rows_with_scores_and_features_read_back_typed_in_order()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("out");
        float[] first = [0.25f, 1f / 3f];
        float[] second = [0.9f, -2.5e-8f];
        await using (var writer = new ScreenResultWriter(directory, Columns, withFeature: true, rowGroupSize: 1))
        {
            await writer.WriteAsync("P1", 10, false, new float[] { 1f, 2f }, new float[] { 3f }, first, CancellationToken.None);
            await writer.WriteFailureAsync("P2", 7, "out of memory", CancellationToken.None);
            await writer.WriteAsync("P3", 1022, true, new float[] { 4f, 5f }, new float[] { 6f }, second, CancellationToken.None);
        }

        var rows = await ListAsync(ScreenResultReader.ReadRowsAsync(directory, withFeature: true, CancellationToken.None));
        Assert.Equal(["P1", "P3"], rows.Select(r => r.Result.Id));
        Assert.Equal([10, 1022], rows.Select(r => r.Result.Length));
        Assert.Equal([false, true], rows.Select(r => r.Result.Truncated));
        Assert.Equal(["nucleus", "cytoplasm"], rows.Select(r => r.Result.Label));
        Assert.Equal(first, rows[0].Result.Scores!);
        Assert.Equal(second, rows[1].Result.Scores!);
        Assert.Equal([1f, 2f], rows[0].Embedding.Embedding);
        Assert.Equal([6f], rows[1].Embedding.Feature!);
        Assert.Equal([new FailureRow("P2", 7, "out of memory")], await ListAsync(ScreenResultReader.ReadFailuresAsync(directory, CancellationToken.None)));

        var header = (await File.ReadAllLinesAsync(ResultsTable.PathIn(directory)))[0];
        Assert.Equal(Columns, ResultsTable.ParseHeader("results.tsv", header), new ScoreColumnsComparer());
    }

    [Fact]
    public async Task Without_scores_or_features_the_optional_fields_are_null()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("out");
        await using (var writer = new ScreenResultWriter(directory))
        {
            await writer.WriteAsync("P1", 3, false, new float[] { 1f }, CancellationToken.None);
        }

        var row = Assert.Single(await ListAsync(ScreenResultReader.ReadRowsAsync(directory, withFeature: false, CancellationToken.None)));
        Assert.Equal(new ResultRow("P1", 3, false), row.Result);
        Assert.Null(row.Embedding.Feature);
        Assert.Null(ResultsTable.ParseHeader("results.tsv", ResultsTable.Header(null)));

        // A file without the feature column is refused when the feature is asked for, with the column's name.
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => ListAsync(EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(directory), withFeature: true, CancellationToken.None)));
        Assert.Contains($"no '{EmbeddingsTable.FeatureColumn}' column", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_tables_have_no_rows_but_an_empty_file_is_refused()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("out");
        await using (new ScreenResultWriter(directory, Columns, withFeature: true))
        {
        }

        Assert.Empty(await ListAsync(ScreenResultReader.ReadRowsAsync(directory, withFeature: true, CancellationToken.None)));
        Assert.Empty(await ListAsync(ScreenResultReader.ReadFailuresAsync(directory, CancellationToken.None)));

        await File.WriteAllTextAsync(FailuresTable.PathIn(directory), string.Empty);
        await Assert.ThrowsAsync<InvalidDataException>(() => ListAsync(ScreenResultReader.ReadFailuresAsync(directory, CancellationToken.None)));
    }

    [Fact]
    public async Task A_part_with_repeated_ids_and_vectors_reads_back_every_row_in_place()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("part");
        string[] ids = ["A", "B", "A", "C", "B"];
        await using (var writer = new ScreenResultWriter(directory, rowGroupSize: 2))
        {
            foreach (var id in ids)
            {
                // A repeat carries its original's row: the same vector under an id that may repeat too.
                await writer.WriteAsync(id, id.Length, false, new float[] { id[0], 0.5f }, CancellationToken.None);
            }
        }

        var rows = await ListAsync(ScreenResultReader.ReadRowsAsync(directory, withFeature: false, CancellationToken.None));
        Assert.Equal(ids, rows.Select(r => r.Result.Id));
        Assert.Equal(ids.Select(id => (float)id[0]), rows.Select(r => r.Embedding.Embedding[0]));
        Assert.Equal(ids, (await EmbeddingParquetReader.ReadAllAsync(EmbeddingsTable.PathIn(directory), CancellationToken.None)).Select(r => r.Id));
    }

    [Fact]
    public async Task Results_and_embeddings_that_do_not_pair_up_are_refused()
    {
        using var scratch = new TempDirectory();
        var directory = scratch.Combine("out");
        await using (var writer = new ScreenResultWriter(directory))
        {
            await writer.WriteAsync("P1", 3, false, new float[] { 1f }, CancellationToken.None);
        }

        await File.AppendAllTextAsync(ResultsTable.PathIn(directory), "P2\t4\tfalse\n");
        var longer = await Assert.ThrowsAsync<InvalidDataException>(() => ListAsync(ScreenResultReader.ReadRowsAsync(directory, withFeature: false, CancellationToken.None)));
        Assert.Contains("ends after 1 rows", longer.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(ResultsTable.PathIn(directory), "id\tlength\ttruncated\nP9\t3\tfalse\n");
        var other = await Assert.ThrowsAsync<InvalidDataException>(() => ListAsync(ScreenResultReader.ReadRowsAsync(directory, withFeature: false, CancellationToken.None)));
        Assert.Contains("'P1' where results.tsv has 'P9'", other.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_results_table_of_another_shape_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("results.tsv");
        await File.WriteAllTextAsync(path, "id\tlength\ttruncated\tlabel\tscore:a\nP1\t3\tfalse\ta\n");
        var fields = await Assert.ThrowsAsync<InvalidDataException>(() => ListAsync(ResultsTable.ReadAsync(path, CancellationToken.None)));
        Assert.Contains("line 2 has 4 fields", fields.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(path, "name\tsequence\n");
        await Assert.ThrowsAsync<InvalidDataException>(() => ListAsync(ResultsTable.ReadAsync(path, CancellationToken.None)));
    }

    private sealed class ScoreColumnsComparer : IEqualityComparer<ScoreColumns?>
    {
        public bool Equals(ScoreColumns? x, ScoreColumns? y) =>
            x?.Prefix == y?.Prefix && (x?.ClassNames ?? []).SequenceEqual(y?.ClassNames ?? []);

        public int GetHashCode(ScoreColumns? obj) => obj?.Prefix.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
