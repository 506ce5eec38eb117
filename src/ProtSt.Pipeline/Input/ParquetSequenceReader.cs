using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
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

    /// <summary>Reads the Parquet file open in <paramref name="file"/> (seekable), naming it <paramref name="path"/> in problems; the stream is left open.</summary>
    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream file, string path, InputLimits limits, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dataBytes = await DataBytesAsync(file, path, cancellationToken);
        var reader = await Decode(path, 0, () => ParquetReader.CreateAsync(file, leaveStreamOpen: true, cancellationToken: cancellationToken));

        await using (reader)
        {
            CheckRowGroups(reader, dataBytes, path);
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
                using var group = await Decode(path, row + 1, () => Task.FromResult(reader.OpenRowGroupReader(g)));
                var rows = Rows(group.RowCount, file.Length, path, row + 1);
                var sequences = await ReadTextAsync(group, sequenceField, rows, path, row + 1, cancellationToken);
                var ids = idField is null ? null : await ReadTextAsync(group, idField, rows, path, row + 1, cancellationToken);
                var labels = labelField is null ? null : await ReadTextAsync(group, labelField, rows, path, row + 1, cancellationToken);
                for (var i = 0; i < sequences.Length; i++)
                {
                    row++;
                    var id = ids is null ? $"row{row}" : ids[i] ?? string.Empty;
                    var raw = sequences[i] ?? string.Empty;
                    var sequence = string.Concat(raw.Where(c => !char.IsWhiteSpace(c)));
                    if ((RecordRules.IdProblem(id, limits) ?? RecordRules.SequenceProblem(sequence.Length, limits)) is { } message)
                    {
                        policy.Refuse(new InputProblem(path, row, RecordRules.Reportable(id, limits), message), onProblem);
                        continue;
                    }

                    yield return new SequenceRecord(id, sequence, path, row, labels?[i]);
                }
            }
        }
    }

    /// <summary>
    /// Runs one call into Parquet.Net. Damaged bytes surface from its decoders as many exception types (Thrift,
    /// decompression, index and range errors); all of them mean the file cannot be read, so they become one line
    /// naming the file (the cause stays attached as the inner exception). Cancellation passes through.
    /// </summary>
    private static async Task<T> Decode<T>(string path, long row, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not (OperationCanceledException or InvalidInputException or OutOfMemoryException))
        {
            var where = row == 0 ? "its metadata" : $"the row group starting at row {row}";
            throw new InvalidInputException(new InputProblem(path, 0, null, $"not a readable Parquet file: {where} is damaged ({e.GetType().Name}: {e.Message})"), e);
        }
    }

    /// <summary>
    /// The bytes between the leading magic and the footer (file: magic, data, footer, its 4-byte length, magic).
    /// Parquet.Net reads a footer whose bytes were damaged into plausible metadata as often as it refuses it.
    /// </summary>
    private static async Task<long> DataBytesAsync(Stream file, string path, CancellationToken cancellationToken)
    {
        var tail = new byte[8];
        if (file.Length >= 12)
        {
            file.Seek(-8, SeekOrigin.End);
            await file.ReadExactlyAsync(tail, cancellationToken);
        }

        file.Position = 0;
        var footer = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        var data = file.Length - 12 - footer;
        if (file.Length < 12 || !tail.AsSpan(4).SequenceEqual(Magic) || data < 0)
        {
            throw new InvalidInputException(new InputProblem(path, 0, null, $"not a readable Parquet file: it does not end with a footer and '{Encoding.ASCII.GetString(Magic)}' (cut short or damaged)"));
        }

        return data;
    }

    /// <summary>Refuses metadata whose row groups cannot describe the file: none while it holds data, or a row total that disagrees with them.</summary>
    private static void CheckRowGroups(ParquetReader reader, long dataBytes, string path)
    {
        var groups = reader.Metadata?.RowGroups ?? [];
        var rows = groups.Sum(g => g.NumRows);
        if (groups.Count == 0 && dataBytes > 0)
        {
            throw new InvalidInputException(new InputProblem(path, 0, null, $"not a readable Parquet file: its footer lists no row groups but the file holds {dataBytes} bytes of data (the footer is damaged)"));
        }

        if (reader.Metadata is { } metadata && metadata.NumRows != rows)
        {
            throw new InvalidInputException(new InputProblem(path, 0, null, $"not a readable Parquet file: its footer says {metadata.NumRows} rows but its row groups hold {rows} (the footer is damaged)"));
        }
    }

    /// <summary>
    /// A row group's row count, bounded by the file's size, since this reader allocates for every row a group claims.
    /// A protein input holds distinct records, at least a byte each even run-length encoded; eight rows per byte of
    /// file is generous for them, so a larger count comes from damaged metadata (or from one value repeated that
    /// often, which is refused too).
    /// </summary>
    private static int Rows(long rowCount, long fileBytes, string path, long firstRow)
    {
        if (rowCount < 0 || rowCount > 8 * fileBytes || rowCount > Array.MaxLength)
        {
            throw new InvalidInputException(new InputProblem(path, 0, null,
                $"not a readable Parquet file: the row group starting at row {firstRow} claims {rowCount} rows in a file of {fileBytes} bytes"));
        }

        return (int)rowCount;
    }

    private static DataField? Field(DataField[] fields, string[] names)
    {
        var index = SequenceColumns.Find(fields.Select(f => f.Name).ToArray(), names);
        return index < 0 ? null : fields[index];
    }

    /// <summary>A column of the row group as text: strings as they are, integers and floats in invariant form.</summary>
    internal static async Task<string?[]> ReadTextAsync(ParquetRowGroupReader group, DataField field, int rows, string path, long firstRow, CancellationToken cancellationToken)
    {
        async Task<string?[]> Numbers<T>()
            where T : struct, IFormattable
        {
            var values = new T?[rows];
            await Decode(path, firstRow, async () =>
            {
                await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
                return values;
            });
            return values.Select(v => v?.ToString(null, CultureInfo.InvariantCulture)).ToArray();
        }

        if (field.IsArray)
        {
            throw new InvalidInputException(new InputProblem(path, 1, null, $"column '{field.Name}' holds lists; expected one value per row"));
        }

        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[rows];
            await Decode(path, firstRow, async () =>
            {
                await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
                return values;
            });
            return values.Select(v => v?.Trim()).ToArray();
        }

        return field.ClrType == typeof(long) ? await Numbers<long>()
            : field.ClrType == typeof(int) ? await Numbers<int>()
            : field.ClrType == typeof(double) ? await Numbers<double>()
            : field.ClrType == typeof(float) ? await Numbers<float>()
            : throw new InvalidInputException(new InputProblem(path, 1, null, $"column '{field.Name}' has type {field.ClrType.Name}; expected text or numbers"));
    }
}
