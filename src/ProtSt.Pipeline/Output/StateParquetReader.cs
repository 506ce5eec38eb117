using System.Runtime.CompilerServices;
using Parquet;

namespace ProtSt.Pipeline;

/// <summary>Reads files written by <see cref="StateParquetWriter"/> back, one row group in memory at a time.</summary>
public static class StateParquetReader
{
    /// <summary>The rows of <paramref name="path"/> whose id is in <paramref name="ids"/> (all rows when null), in file order: id, the int columns named, and the list.</summary>
    public static async IAsyncEnumerable<(string Id, int[] Ints, float[] Values)> ReadAsync(
        string path, IReadOnlyList<string> intColumns, string listColumn, IReadOnlySet<string>? ids, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        var fields = reader.Schema.DataFields;
        var idField = fields.First(f => f.Name == EmbeddingParquetWriter.IdColumn);
        var intFields = intColumns.Select(name => fields.FirstOrDefault(f => f.Name == name) ?? throw new InvalidDataException($"{path} has no '{name}' column.")).ToList();
        var listField = fields.FirstOrDefault(f => f.Name == listColumn) ?? throw new InvalidDataException($"{path} has no '{listColumn}' column.");
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rowIds = new string?[group.RowCount];
            await group.ReadAsync(idField, rowIds.AsMemory(), null, cancellationToken);
            // Raw reads: Parquet.Net 6.1's nullable read of a required int column spanning several pages misplaced values.
            var ints = new int[intFields.Count][];
            for (var c = 0; c < intFields.Count; c++)
            {
                ints[c] = new int[group.RowCount];
                await group.ReadRawAsync<int>(intFields[c], ints[c], new int[group.RowCount], new int[group.RowCount], cancellationToken);
            }

            var count = checked((int)group.GetMetadata(listField)!.MetaData!.NumValues);
            var values = new float[count];
            var repetitions = new int[count];
            await group.ReadRawAsync<float>(listField, values, new int[count], repetitions, cancellationToken);
            var start = 0;
            for (var row = 0; row < rowIds.Length; row++)
            {
                var end = start + 1;
                while (end < count && repetitions[end] == 1)
                {
                    end++;
                }

                var id = rowIds[row] ?? string.Empty;
                if (ids is null || ids.Contains(id))
                {
                    yield return (id, [.. ints.Select(column => column[row])], values[start..end]);
                }

                start = end;
            }
        }
    }
}
