using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>Reads files written by <see cref="EmbeddingParquetWriter"/>.</summary>
public static class EmbeddingParquetReader
{
    /// <summary>Reads every row's id and one vector column (the mean <c>embedding</c> by default, or the ProtST <c>feature</c>).</summary>
    public static async Task<IReadOnlyList<(string Id, float[] Vector)>> ReadAllAsync(
        string path, CancellationToken cancellationToken, string column = EmbeddingParquetWriter.EmbeddingColumn)
    {
        var rows = new List<(string, float[])>();
        await foreach (var (id, vectors) in ReadColumnsAsync(path, [column], cancellationToken))
        {
            rows.Add((id, vectors[0]));
        }

        return rows;
    }

    /// <summary>Each row's id and its vectors of <paramref name="columns"/>, in that order, holding one row group in memory at a time.</summary>
    internal static async IAsyncEnumerable<(string Id, float[][] Vectors)> ReadColumnsAsync(
        string path, IReadOnlyList<string> columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        var fields = columns.Select(column => reader.Schema.DataFields.FirstOrDefault(f => f.Name == column)
            ?? throw new InvalidDataException($"{path} has no '{column}' column (it has {string.Join(", ", reader.Schema.DataFields.Select(f => f.Name))}).")).ToList();
        var idField = reader.Schema.DataFields.FirstOrDefault(f => f.Name == EmbeddingParquetWriter.IdColumn)
            ?? throw new InvalidDataException($"{path} has no 'id' column.");
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            string?[] ids;
            var vectors = new List<float[]>[fields.Count];
            using (var group = reader.OpenRowGroupReader(g))
            {
                ids = new string?[group.RowCount];
                await group.ReadAsync(idField, ids.AsMemory(), null, cancellationToken);
                for (var c = 0; c < fields.Count; c++)
                {
                    vectors[c] = await ReadVectorsAsync(path, g, group, fields[c], ids.Length, cancellationToken);
                }
            }

            for (var row = 0; row < ids.Length; row++)
            {
                yield return (ids[row] ?? string.Empty, [.. vectors.Select(v => v[row])]);
            }
        }
    }

    private static async Task<List<float[]>> ReadVectorsAsync(
        string path, int g, ParquetRowGroupReader group, DataField field, int rowCount, CancellationToken cancellationToken)
    {
        var count = checked((int)group.GetMetadata(field)!.MetaData!.NumValues);
        var values = new float[count];
        var levels = new int[count];
        var definitions = new int[count];
        await group.ReadRawAsync<float>(field, values, definitions, levels, cancellationToken);
        var rows = new List<float[]>(rowCount);
        var start = 0;
        for (var i = 1; i <= values.Length; i++)
        {
            // Repetition level 0 starts a row's list.
            if (i == values.Length || levels[i] == 0)
            {
                if (rows.Count >= rowCount)
                {
                    throw new InvalidDataException($"{path}: row group {g} holds more {field.Name} vectors than its {rowCount} rows.");
                }

                rows.Add(values[start..i]);
                start = i;
            }
        }

        if (rows.Count != rowCount)
        {
            throw new InvalidDataException($"{path}: row group {g} holds {rows.Count} {field.Name} vectors for its {rowCount} rows.");
        }

        return rows;
    }
}
