using System.Runtime.CompilerServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Reads any supported input file by its content: Parquet by its magic bytes, FASTA when the first text starts with
/// <c>&gt;</c>, otherwise CSV or TSV (by the name, <c>.tsv[.gz]</c> for tabs). The file is opened once, and must be
/// a regular file (<see cref="InputFile"/>). Every record is held to <see cref="RecordRules"/> under the given
/// <see cref="InputLimits"/>; an id seen before with a different sequence is refused too, since the output could not
/// say which one a row belongs to.
/// </summary>
public static class SequenceInput
{
    public static IAsyncEnumerable<SequenceRecord> ReadAsync(string path, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, CancellationToken cancellationToken) =>
        ReadAsync(path, InputLimits.Default, policy, onProblem, cancellationToken);

    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        string path, InputLimits limits, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = InputFile.Open(path);
        var parquet = await IsParquetAsync(file, cancellationToken);
        file.Position = 0;
        var fasta = !parquet && await LooksLikeFastaAsync(file, cancellationToken);
        file.Position = 0;
        var records = parquet ? ParquetSequenceReader.ReadAsync(file, path, limits, policy, onProblem, cancellationToken)
            : fasta ? FastaReader.ReadAsync(file, path, limits, policy, onProblem, cancellationToken)
            : DelimitedSequenceReader.ReadAsync(file, path, Delimiter(path), limits, policy, onProblem, cancellationToken);

        // Ids map to a 128-bit hash of their sequence: about 50 bytes per record, far less than the records themselves.
        var seen = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            var hash = SequenceIdentity.Of(record.Sequence);
            if (seen.TryGetValue(record.Id, out var previous) && previous != hash)
            {
                policy.Refuse(new InputProblem(record.SourceFile, record.Line, record.Id, "this id was used before for a different sequence"), onProblem);
                continue;
            }

            seen[record.Id] = hash;
            yield return record;
        }
    }

    /// <summary>Counts the records a read would yield (invalid ones excluded), for progress and ETA; a quick pass next to inference.</summary>
    public static async Task<long> CountAsync(string path, InputLimits limits, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var _ in ReadAsync(path, limits, InvalidRecordPolicy.Skip, null, cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <inheritdoc cref="CountAsync(string, InputLimits, CancellationToken)"/>
    public static Task<long> CountAsync(string path, CancellationToken cancellationToken) => CountAsync(path, InputLimits.Default, cancellationToken);

    private static char Delimiter(string path)
    {
        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tab", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
    }

    /// <summary>Whether the stream starts with Parquet's magic bytes.</summary>
    internal static async Task<bool> IsParquetAsync(Stream file, CancellationToken cancellationToken)
    {
        var head = new byte[4];
        var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return read == head.Length && head.AsSpan().SequenceEqual(ParquetSequenceReader.Magic);
    }

    private static async Task<bool> LooksLikeFastaAsync(Stream file, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(await InputStreams.OpenAsync(file, cancellationToken), leaveOpen: true);
            var buffer = new char[256];
            var read = await reader.ReadAsync(buffer, cancellationToken);

            // The reader drops a byte-order mark it recognises; the trim covers one written twice.
            var text = new string(buffer, 0, read).TrimStart().TrimStart('\uFEFF');
            return text.StartsWith('>') || text.StartsWith(';');
        }
        catch (InvalidDataException)
        {
            // A broken gzip stream: let the FASTA reader report it with the file and line.
            return true;
        }
    }
}
