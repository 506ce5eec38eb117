using System.Runtime.CompilerServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Reads any supported input file by its content: Parquet by its magic bytes, FASTA when the first text starts with
/// <c>&gt;</c>, otherwise CSV or TSV (by the name, <c>.tsv[.gz]</c> for tabs). Also refuses an id seen before with a different sequence, since the
/// output could not say which one a row belongs to.
/// </summary>
public static class SequenceInput
{
    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        string path, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }

        var records = await IsParquetAsync(path, cancellationToken)
            ? ParquetSequenceReader.ReadAsync(path, policy, onProblem, cancellationToken)
            : await LooksLikeFastaAsync(path, cancellationToken)
            ? FastaReader.ReadAsync(path, policy, onProblem, cancellationToken)
            : ReadDelimitedAsync(path, policy, onProblem, cancellationToken);

        // Ids map to a 128-bit hash of their sequence: about 50 bytes per record, far less than the records themselves.
        var seen = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            var hash = SequenceIdentity.Of(record.Sequence);
            if (seen.TryGetValue(record.Id, out var previous) && previous != hash)
            {
                var problem = new InputProblem(record.SourceFile, record.Line, record.Id, "this id was used before for a different sequence");
                if (policy == InvalidRecordPolicy.Fail)
                {
                    throw new InvalidInputException(problem);
                }

                onProblem?.Invoke(problem);
                continue;
            }

            seen[record.Id] = hash;
            yield return record;
        }
    }

    /// <summary>Counts the records a read would yield (invalid ones excluded), for progress and ETA; a quick pass next to inference.</summary>
    public static async Task<long> CountAsync(string path, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var _ in ReadAsync(path, InvalidRecordPolicy.Skip, null, cancellationToken))
        {
            count++;
        }

        return count;
    }

    private static async IAsyncEnumerable<SequenceRecord> ReadDelimitedAsync(
        string path, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        var delimiter = name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tab", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await foreach (var record in DelimitedSequenceReader.ReadAsync(file, path, delimiter, policy, onProblem, cancellationToken))
        {
            yield return record;
        }
    }

    /// <summary>Whether the file starts with Parquet's magic bytes.</summary>
    internal static async Task<bool> IsParquetAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16, useAsync: true);
        var head = new byte[4];
        var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return read == head.Length && head.AsSpan().SequenceEqual(ParquetSequenceReader.Magic);
    }

    private static async Task<bool> LooksLikeFastaAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        try
        {
            using var reader = new StreamReader(await InputStreams.OpenAsync(file, cancellationToken));
            var buffer = new char[256];
            var read = await reader.ReadAsync(buffer, cancellationToken);
            var text = new string(buffer, 0, read).TrimStart();
            return text.StartsWith('>') || text.StartsWith(';');
        }
        catch (InvalidDataException)
        {
            // A broken gzip stream: let the FASTA reader report it with the file and line.
            return true;
        }
    }
}
