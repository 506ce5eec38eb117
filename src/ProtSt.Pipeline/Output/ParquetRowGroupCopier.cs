using Parquet;
using Parquet.Schema;

namespace ProtSt.Pipeline;

/// <summary>
/// Concatenates Parquet files of one schema into one file, a row group of the source becoming a row group of the
/// target: columns are moved whole (values with their repetition levels), never row by row. Parquet.Net 6.1 has no
/// raw column-chunk copy, so each column's pages are decoded and encoded once.
/// </summary>
public static class ParquetRowGroupCopier
{
    /// <summary>Writes every row group of <paramref name="sources"/>, in order, to <paramref name="target"/>; returns the rows written.</summary>
    public static async Task<long> ConcatenateAsync(IReadOnlyList<string> sources, string target, CancellationToken cancellationToken)
    {
        if (sources.Count == 0)
        {
            throw new ArgumentException("Nothing to concatenate.", nameof(sources));
        }

        ParquetSchema schema;
        await using (var first = await ParquetReader.CreateAsync(sources[0], cancellationToken: cancellationToken))
        {
            schema = first.Schema;
        }

        long rows = 0;
        await using var stream = new FileStream(target, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancellationToken))
        {
            foreach (var source in sources)
            {
                await using var reader = await ParquetReader.CreateAsync(source, cancellationToken: cancellationToken);
                if (!reader.Schema.Equals(schema))
                {
                    throw new InvalidDataException($"{source} has the columns {reader.Schema}, not the {schema} of {sources[0]}.");
                }

                for (var g = 0; g < reader.RowGroupCount; g++)
                {
                    using var group = reader.OpenRowGroupReader(g);
                    using var output = writer.CreateRowGroup();
                    foreach (var field in reader.Schema.DataFields)
                    {
                        await CopyColumnAsync(group, output, field, schema.DataFields.First(f => f.Path.Equals(field.Path)), cancellationToken);
                    }

                    rows += group.RowCount;
                }
            }
        }

        await stream.FlushAsync(cancellationToken);
        stream.Flush(flushToDisk: true);
        return rows;
    }

    private static async Task CopyColumnAsync(ParquetRowGroupReader group, ParquetRowGroupWriter output, DataField field, DataField target, CancellationToken cancellationToken)
    {
        // Parquet.Net 6 states a string column read back from a file as ReadOnlyMemory<char>.
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var values = new string?[group.RowCount];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
            await output.WriteAsync(target, values!, null);
            return;
        }

        if (field.ClrType == typeof(int) && !field.IsArray)
        {
            // A raw read: Parquet.Net 6.1's nullable read of a required int column spanning several pages misplaced values.
            var ints = new int[group.RowCount];
            await group.ReadRawAsync<int>(field, ints, new int[ints.Length], new int[ints.Length], cancellationToken);
            await output.WriteAsync<int>(target, ints, null, null, cancellationToken);
            return;
        }

        if (field.ClrType != typeof(float))
        {
            throw new NotSupportedException($"Column '{field.Name}' of type {field.ClrType} is not one the embedding files have.");
        }

        var count = checked((int)group.GetMetadata(field)!.MetaData!.NumValues);
        var floats = new float[count];
        var definitions = new int[count];
        var repetitions = new int[count];
        await group.ReadRawAsync<float>(field, floats, definitions, repetitions, cancellationToken);
        await output.WriteAsync<float>(target, floats, field.MaxRepetitionLevel > 0 ? repetitions : null, null, cancellationToken);
    }
}
