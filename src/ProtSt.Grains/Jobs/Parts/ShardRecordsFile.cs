using System.Text;

namespace ProtSt.Grains.Jobs.Parts;

/// <summary>
/// A shard's records as the job's one pass over the input left them (<c>plan/shard-NNNNNN.records</c>): the shard reads
/// only these, whatever the input's format, and never parses the input again. Written under a temporary name and
/// renamed, so a records file is whole or absent.
/// </summary>
public static class ShardRecordsFile
{
    private const string Magic = "protst-shard-records-1";

    public static string PathOf(string planDirectory, int shard) => System.IO.Path.Combine(planDirectory, $"shard-{shard:D6}.records");

    /// <summary>Writes <paramref name="records"/> of shard <paramref name="shard"/>, whose records all come from <paramref name="sourceFile"/>.</summary>
    public static async Task WriteAsync(string planDirectory, int shard, string sourceFile, IReadOnlyList<PlannedRecord> records, CancellationToken cancellationToken)
    {
        var path = PathOf(planDirectory, shard);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(sourceFile);
                writer.Write(records.Count);
                foreach (var record in records)
                {
                    writer.Write(record.Ordinal);
                    writer.Write(record.Id);
                    writer.Write(record.Line);
                    writer.Write(record.Label is not null);
                    writer.Write(record.Label ?? string.Empty);
                    writer.Write(record.Sequence is not null);
                    if (record.Sequence is not null)
                    {
                        writer.Write(record.Sequence);
                    }
                    else
                    {
                        writer.Write(record.Original);
                    }
                }
            }

            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The shard's source file and records, in input order.</summary>
    public static (string SourceFile, IReadOnlyList<PlannedRecord> Records) Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (reader.ReadString() != Magic)
            {
                throw new InvalidDataException($"{path} is not a shard records file of this version.");
            }

            var source = reader.ReadString();
            var count = reader.ReadInt32();
            var records = new List<PlannedRecord>(count);
            for (var i = 0; i < count; i++)
            {
                var ordinal = reader.ReadInt64();
                var id = reader.ReadString();
                var line = reader.ReadInt64();
                var hasLabel = reader.ReadBoolean();
                var label = reader.ReadString();
                records.Add(reader.ReadBoolean()
                    ? new PlannedRecord(ordinal, id, line, hasLabel ? label : null, reader.ReadString(), -1)
                    : new PlannedRecord(ordinal, id, line, hasLabel ? label : null, null, reader.ReadInt64()));
            }

            return (source, records);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} is cut short.", e);
        }
    }
}
