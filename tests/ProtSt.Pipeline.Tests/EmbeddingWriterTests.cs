using System.Globalization;
using Parquet;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

public sealed class EmbeddingWriterTests
{
    private static readonly float[] Awkward = [0.1f, 1e-8f, -3.4028235e38f, float.Epsilon, 1f / 3f, -0f, 123456.79f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue];

    [Fact]
    public async Task Tsv_values_round_trip_bit_exactly_without_a_header()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("e.tsv");
        await using (var writer = EmbeddingWriterFactory.Create(EmbeddingFormat.Tsv, path))
        {
            await writer.WriteAsync("P1", Awkward, CancellationToken.None);
            await writer.WriteAsync("P2", new float[] { 2f, 3f }, CancellationToken.None);
        }

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(2, lines.Length);
        var fields = lines[0].Split('\t');
        Assert.Equal("P1", fields[0]);
        var parsed = fields[1..].Select(f => float.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Awkward.Select(BitConverter.SingleToInt32Bits), parsed.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal("P2\t2\t3", lines[1]);
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.Equal((byte)'P', bytes[0]);
        Assert.Equal((byte)'\n', bytes[^1]);
    }

    [Theory]
    [InlineData("a\tb")]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    public async Task Tsv_refuses_ids_that_would_break_the_format(string id)
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("e.tsv");
        await using (var writer = EmbeddingWriterFactory.Create(EmbeddingFormat.Tsv, path))
        {
            await Assert.ThrowsAsync<ArgumentException>(async () => await writer.WriteAsync(id, new float[] { 1f }, CancellationToken.None));
            await writer.WriteAsync("ok", new float[] { 1f }, CancellationToken.None);
        }

        Assert.Equal(["ok\t1"], await File.ReadAllLinesAsync(path));
    }

    [Fact]
    public async Task Parquet_round_trips_across_row_groups()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("e.parquet");
        var rows = Enumerable.Range(0, 23).Select(i => ($"P{i}", Enumerable.Range(0, 5).Select(j => (i * 10) + j + 0.5f).ToArray())).ToList();
        await using (var writer = new EmbeddingParquetWriter(path, rowGroupSize: 10))
        {
            foreach (var (id, vector) in rows)
            {
                await writer.WriteAsync(id, vector, CancellationToken.None);
            }
        }

        await using (var parquet = await ParquetReader.CreateAsync(path))
        {
            Assert.Equal(3, parquet.RowGroupCount);
        }

        var read = await EmbeddingParquetReader.ReadAllAsync(path, CancellationToken.None);
        Assert.Equal(rows.Select(r => r.Item1), read.Select(r => r.Id));
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].Item2, read[i].Vector);
        }
    }

    [Theory]
    [InlineData(EmbeddingFormat.Tsv, typeof(EmbeddingTsvWriter))]
    [InlineData(EmbeddingFormat.Parquet, typeof(EmbeddingParquetWriter))]
    public async Task Factory_makes_each_formats_writer_and_its_folder(EmbeddingFormat format, Type expected)
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("new", "folder", "e.out");
        await using (var writer = EmbeddingWriterFactory.Create(format, path))
        {
            Assert.IsType(expected, writer);
        }

        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Parquet_without_rows_is_still_a_valid_file()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("empty.parquet");
        await using (new EmbeddingParquetWriter(path))
        {
        }

        Assert.Empty(await EmbeddingParquetReader.ReadAllAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task Parquet_writer_flushes_once_and_refuses_rows_after_dispose()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("e.parquet");
        var writer = new EmbeddingParquetWriter(path);
        await writer.WriteAsync("P1", new float[] { 1f, 2f }, CancellationToken.None);
        await writer.DisposeAsync();
        await writer.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.WriteAsync("P2", new float[] { 3f }, CancellationToken.None));

        var (id, vector) = Assert.Single(await EmbeddingParquetReader.ReadAllAsync(path, CancellationToken.None));
        Assert.Equal("P1", id);
        Assert.Equal([1f, 2f], vector);
    }

    [Fact]
    public async Task Screen_results_carry_the_top_label_round_trip_scores_and_the_feature_column()
    {
        using var scratch = new TempDirectory();
        float[] scores = [0.1f, 1f / 3f, -2.5e-8f];
        await using (var writer = new ScreenResultWriter(scratch.Combine("out"), new ScoreColumns(ScoreColumns.ZeroShotPrefix, ["a", "b c", "d"]), withFeature: true))
        {
            await writer.WriteAsync("P1", 10, false, new float[] { 1f, 2f }, new float[] { 3f }, scores, CancellationToken.None);
            await Assert.ThrowsAsync<ArgumentException>(async () => await writer.WriteAsync("P2", 10, false, new float[] { 1f }, new float[] { 3f }, [1f], CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(async () => await writer.WriteAsync("P3", 10, false, new float[] { 1f }, ReadOnlyMemory<float>.Empty, scores, CancellationToken.None));
        }

        var lines = await File.ReadAllLinesAsync(scratch.Combine("out", ScreenResultWriter.ResultsFile));
        Assert.Equal(2, lines.Length);
        Assert.Equal("id\tlength\ttruncated\tlabel\tscore:a\tscore:b c\tscore:d", lines[0]);
        var fields = lines[1].Split('\t');
        Assert.Equal(["P1", "10", "false", "b c"], fields[..4]);
        Assert.Equal(scores.Select(BitConverter.SingleToInt32Bits), fields[4..].Select(f => BitConverter.SingleToInt32Bits(float.Parse(f, CultureInfo.InvariantCulture))));
        var path = scratch.Combine("out", ScreenResultWriter.EmbeddingsFile);
        var features = await EmbeddingParquetReader.ReadAllAsync(path, CancellationToken.None, EmbeddingParquetWriter.FeatureColumn);
        var embeddings = await EmbeddingParquetReader.ReadAllAsync(path, CancellationToken.None);
        Assert.Equal(new[] { 3f }, Assert.Single(features).Vector);
        Assert.Equal(new[] { 1f, 2f }, Assert.Single(embeddings).Vector);
    }

    [Fact]
    public async Task Device_failures_go_to_their_own_table_on_one_line_each_and_not_to_the_results()
    {
        using var scratch = new TempDirectory();
        await using (var writer = new ScreenResultWriter(scratch.Combine("out")))
        {
            await writer.WriteAsync("P1", 10, false, new float[] { 1f, 2f }, CancellationToken.None);
            await writer.WriteFailureAsync("P2", 123, "out of memory\non\tthe device", CancellationToken.None);
            Assert.Equal(1, writer.Rows);
            Assert.Equal(1, writer.Failures);
        }

        Assert.Equal(["id\tlength\ttruncated", "P1\t10\tfalse"], await File.ReadAllLinesAsync(scratch.Combine("out", ScreenResultWriter.ResultsFile)));
        Assert.Equal(["id\tlength\terror", "P2\t123\tout of memory on the device"], await File.ReadAllLinesAsync(scratch.Combine("out", ScreenResultWriter.FailuresFile)));
        Assert.Equal(["P1"], (await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("out", ScreenResultWriter.EmbeddingsFile), CancellationToken.None)).Select(r => r.Id));
    }

    [Fact]
    public void Class_names_that_would_break_the_table_are_refused()
    {
        using var scratch = new TempDirectory();
        Assert.Throws<ArgumentException>(() => new ScreenResultWriter(scratch.Combine("out"), new ScoreColumns(ScoreColumns.ClassifierPrefix, ["a\tb"])));
    }
}
