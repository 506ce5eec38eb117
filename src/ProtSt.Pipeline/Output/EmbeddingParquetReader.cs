using Parquet;

namespace ProtSt.Pipeline;

/// <summary>Reads files written by <see cref="EmbeddingParquetWriter"/>.</summary>
public static class EmbeddingParquetReader
{
    /// <summary>Reads every row's id and one vector column (the mean <c>embedding</c> by default, or the ProtST <c>feature</c>).</summary>
    public static async Task<IReadOnlyList<(string Id, float[] Vector)>> ReadAllAsync(
        string path, CancellationToken cancellationToken, string column = EmbeddingParquetWriter.EmbeddingColumn)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        var field = reader.Schema.DataFields.FirstOrDefault(f => f.Name == column)
            ?? throw new InvalidDataException($"{path} has no '{column}' column (it has {string.Join(", ", reader.Schema.DataFields.Select(f => f.Name))}).");
        var idField = reader.Schema.DataFields.FirstOrDefault(f => f.Name == EmbeddingParquetWriter.IdColumn)
            ?? throw new InvalidDataException($"{path} has no 'id' column.");
        var rows = new List<(string, float[])>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var ids = new string?[group.RowCount];
            await group.ReadAsync(idField, ids.AsMemory(), null, cancellationToken);
            var count = checked((int)group.GetMetadata(field)!.MetaData!.NumValues);
            var values = new float[count];
            var levels = new int[count];
            var definitions = new int[count];
            await group.ReadRawAsync<float>(field, values, definitions, levels, cancellationToken);
            var row = -1;
            var start = 0;
            for (var i = 0; i <= values.Length; i++)
            {
                if (i == values.Length || levels[i] == 0)
                {
                    if (row >= 0)
                    {
                        if (row >= ids.Length)
                        {
                            throw new InvalidDataException($"{path}: row group {g} holds more embeddings than its {ids.Length} rows.");
                        }

                        rows.Add((ids[row] ?? string.Empty, values[start..i]));
                    }

                    row++;
                    start = i;
                }
            }

            if (row != ids.Length)
            {
                throw new InvalidDataException($"{path}: row group {g} holds {row} embeddings for its {ids.Length} rows.");
            }
        }

        return rows;
    }
}
