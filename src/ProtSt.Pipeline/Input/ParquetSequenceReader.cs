using System.Globalization;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams records from a Parquet file in the ProtST datasets' layout (<c>Unnamed: 0</c>, <c>prot_seq</c>,
/// <c>localization</c>), one row group at a time; a record's "line" is its 1-based row number.
/// </summary>
public static class ParquetSequenceReader
{
    /// <summary>Parquet files start (and end) with these four bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        string path, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new InvalidInputException(new InputProblem(path, 1, null, $"not a readable Parquet file ({e.Message})"), e);
        }

        await using (reader)
        {
            var fields = reader.Schema.DataFields;
            var names = fields.Select(f => f.Name).ToArray();
            var sequenceField = Field(fields, SequenceColumns.Sequence)
                ?? throw new InvalidInputException(new InputProblem(path, 1, null,
                    $"no sequence column (expected one of: {string.Join(", ", SequenceColumns.Sequence)}; found: {string.Join(", ", names)})"));
            var idField = Field(fields, SequenceColumns.Id);
            var labelField = Field(fields, SequenceColumns.Label);

            long row = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var rows = checked((int)group.RowCount);
                var sequences = await ReadTextAsync(group, sequenceField, rows, path, cancellationToken);
                var ids = idField is null ? null : await ReadTextAsync(group, idField, rows, path, cancellationToken);
                var labels = labelField is null ? null : await ReadTextAsync(group, labelField, rows, path, cancellationToken);
                for (var i = 0; i < sequences.Length; i++)
                {
                    row++;
                    var id = ids is null ? $"row{row}" : ids[i] ?? string.Empty;
                    var raw = sequences[i] ?? string.Empty;
                    var message = id.Length == 0 ? "the id is empty" : string.IsNullOrWhiteSpace(raw) ? "the record has no sequence" : null;
                    if (message is not null)
                    {
                        var problem = new InputProblem(path, row, id.Length == 0 ? null : id, message);
                        if (policy == InvalidRecordPolicy.Fail)
                        {
                            throw new InvalidInputException(problem);
                        }

                        onProblem?.Invoke(problem);
                        continue;
                    }

                    var label = labels?[i];
                    yield return new SequenceRecord(id, string.Concat(raw.Where(c => !char.IsWhiteSpace(c))), path, row, label);
                }
            }
        }
    }

    private static DataField? Field(DataField[] fields, string[] names)
    {
        var index = SequenceColumns.Find(fields.Select(f => f.Name).ToArray(), names);
        return index < 0 ? null : fields[index];
    }

    /// <summary>A column of the row group as text: strings as they are, integers and floats in invariant form.</summary>
    internal static async Task<string?[]> ReadTextAsync(ParquetRowGroupReader group, DataField field, int rows, string path, CancellationToken cancellationToken)
    {
        async Task<string?[]> Numbers<T>()
            where T : struct, IFormattable
        {
            var values = new T?[rows];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
            return values.Select(v => v?.ToString(null, CultureInfo.InvariantCulture)).ToArray();
        }

        if (field.IsArray)
        {
            throw new InvalidInputException(new InputProblem(path, 1, null, $"column '{field.Name}' holds lists; expected one value per row"));
        }

        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[rows];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
            return values.Select(v => v?.Trim()).ToArray();
        }

        return field.ClrType == typeof(long) ? await Numbers<long>()
            : field.ClrType == typeof(int) ? await Numbers<int>()
            : field.ClrType == typeof(double) ? await Numbers<double>()
            : field.ClrType == typeof(float) ? await Numbers<float>()
            : throw new InvalidInputException(new InputProblem(path, 1, null, $"column '{field.Name}' has type {field.ClrType.Name}; expected text or numbers"));
    }
}
