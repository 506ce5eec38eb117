using Parquet;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

/// <summary>Parts concatenated row group by row group read back as one file, in order, bit for bit.</summary>
public sealed class ParquetRowGroupCopierTests
{
    [Fact]
    public async Task Parts_concatenate_into_one_file_with_every_row_group_and_value_in_order()
    {
        using var scratch = new TempDirectory();
        var random = new Random(3);
        var parts = new List<string>();
        var expected = new List<(string Id, float[] Embedding, float[] Feature)>();
        foreach (var (part, rows, rowGroup) in new[] { (0, 7, 3), (1, 0, 4), (2, 5, 5) })
        {
            var path = scratch.Combine($"part-{part}.parquet");
            await using (var writer = new EmbeddingParquetWriter(path, rowGroup, withFeature: true))
            {
                for (var i = 0; i < rows; i++)
                {
                    var row = ($"P{part}-{i}", Enumerable.Range(0, 6).Select(_ => (float)random.NextDouble()).ToArray(), new[] { float.NaN, -0f, float.MaxValue });
                    expected.Add(row);
                    await writer.WriteAsync(row.Item1, row.Item2, row.Item3, CancellationToken.None);
                }
            }

            parts.Add(path);
        }

        var target = scratch.Combine("all.parquet");
        Assert.Equal(12, await ParquetRowGroupCopier.ConcatenateAsync(parts, target, CancellationToken.None));

        var embeddings = await EmbeddingParquetReader.ReadAllAsync(target, CancellationToken.None);
        var features = await EmbeddingParquetReader.ReadAllAsync(target, CancellationToken.None, EmbeddingParquetWriter.FeatureColumn);
        Assert.Equal(expected.Select(e => e.Id), embeddings.Select(e => e.Id));
        Assert.Equal(expected.SelectMany(e => e.Embedding), embeddings.SelectMany(e => e.Vector));
        Assert.Equal(expected.SelectMany(e => e.Feature).Select(BitConverter.SingleToInt32Bits), features.SelectMany(e => e.Vector).Select(BitConverter.SingleToInt32Bits));

        // Each part's row groups are the target's (3 + 3 + 1 and 5): copied whole, never regrouped.
        await using var reader = await ParquetReader.CreateAsync(target);
        Assert.Equal([3, 3, 1, 5], Enumerable.Range(0, reader.RowGroupCount).Select(g => (int)reader.OpenRowGroupReader(g).RowCount));
    }

    [Fact]
    public async Task Files_of_another_schema_are_refused()
    {
        using var scratch = new TempDirectory();
        var with = scratch.Combine("with.parquet");
        var without = scratch.Combine("without.parquet");
        await using (var writer = new EmbeddingParquetWriter(with, 4, withFeature: true))
        {
            await writer.WriteAsync("A", new float[] { 1 }, new float[] { 2 }, CancellationToken.None);
        }

        await using (var writer = new EmbeddingParquetWriter(without, 4))
        {
            await writer.WriteAsync("B", new float[] { 1 }, CancellationToken.None);
        }

        await Assert.ThrowsAsync<InvalidDataException>(() => ParquetRowGroupCopier.ConcatenateAsync([with, without], scratch.Combine("mixed.parquet"), CancellationToken.None));
    }
}
