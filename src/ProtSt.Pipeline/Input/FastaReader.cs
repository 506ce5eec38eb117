using System.Runtime.CompilerServices;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams records from FASTA (plain or gzip, detected by its magic bytes): multi-line sequences, CRLF, blank and
/// <c>;</c> comment lines. Problems carry the file and line; per-record problems follow the <see cref="InvalidRecordPolicy"/>.
/// </summary>
/// <remarks>
/// Residue letters are not checked here: the tokenizer owns the alphabet. Only control characters, which no text
/// FASTA holds, are refused. A problem with the stream itself (a corrupt or truncated gzip file, data before the
/// first header) always throws, whatever the policy.
/// </remarks>
public static class FastaReader
{
    public static IAsyncEnumerable<SequenceRecord> ReadAsync(string path, CancellationToken cancellationToken) =>
        ReadAsync(path, InvalidRecordPolicy.Fail, null, cancellationToken);

    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        string path, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await foreach (var record in ReadAsync(file, path, policy, onProblem, cancellationToken))
        {
            yield return record;
        }
    }

    /// <summary>Reads FASTA from <paramref name="stream"/>'s current position, failing on the first invalid record; the stream is left open.</summary>
    public static IAsyncEnumerable<SequenceRecord> ReadAsync(Stream stream, string displayName, CancellationToken cancellationToken) =>
        ReadAsync(stream, displayName, InvalidRecordPolicy.Fail, null, cancellationToken);

    /// <summary>Reads FASTA from <paramref name="stream"/>'s current position, naming it <paramref name="displayName"/> in problems; the stream is left open.</summary>
    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream stream, string displayName, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await InputStreams.OpenAsync(stream, cancellationToken), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16);
        var lineNumber = 0L;
        string? id = null;
        var headerLine = 0L;
        var sequence = new StringBuilder();
        InputProblem? recordProblem = null;

        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw new InvalidInputException(new InputProblem(displayName, lineNumber + 1, null, $"the compressed stream is corrupt or truncated ({e.Message})"), e);
            }

            if (line is null)
            {
                break;
            }

            lineNumber++;
            var bad = InputStreams.FindControlCharacter(line);
            var garbage = bad is { } c ? $"binary data (control character 0x{(int)c:X2}); this is not a text FASTA file" : null;
            if (line.StartsWith('>'))
            {
                if (id is not null && Complete(displayName, id, headerLine, sequence, recordProblem, policy, onProblem) is { } previous)
                {
                    yield return previous;
                }

                (id, headerLine) = (ParseId(line), lineNumber);
                recordProblem = garbage is null ? null : new InputProblem(displayName, lineNumber, ReportableId(id), garbage);
                sequence.Clear();
                continue;
            }

            if (garbage is not null)
            {
                if (id is null)
                {
                    throw new InvalidInputException(new InputProblem(displayName, lineNumber, null, garbage));
                }

                recordProblem ??= new InputProblem(displayName, lineNumber, ReportableId(id), garbage);
                continue;
            }

            if (line.Length == 0 || line[0] == ';' || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (id is null)
            {
                throw new InvalidInputException(new InputProblem(displayName, lineNumber, null, "sequence data before the first '>' header; this is not a FASTA file"));
            }

            // A record already known to be bad is dropped whole; not keeping its text keeps a binary file from filling memory.
            if (recordProblem is null)
            {
                foreach (var ch in line)
                {
                    if (!char.IsWhiteSpace(ch))
                    {
                        sequence.Append(ch);
                    }
                }
            }
        }

        if (id is not null && Complete(displayName, id, headerLine, sequence, recordProblem, policy, onProblem) is { } last)
        {
            yield return last;
        }
    }

    private static string ParseId(string header)
    {
        var text = header.AsSpan(1).TrimStart();
        var end = text.IndexOfAny(' ', '\t');
        return (end < 0 ? text : text[..end]).ToString();
    }

    // An id that is empty or holds control characters would only garble the report.
    private static string? ReportableId(string id) => id.Length == 0 || InputStreams.FindControlCharacter(id) is not null ? null : id;

    private static SequenceRecord? Complete(
        string file, string id, long line, StringBuilder sequence, InputProblem? problem, InvalidRecordPolicy policy, Action<InputProblem>? onProblem)
    {
        var message = id.Length == 0 ? "the header has no id" : sequence.Length == 0 ? "the record has no sequence" : null;
        if (problem is null && message is null)
        {
            return new SequenceRecord(id, sequence.ToString(), file, line);
        }

        var report = problem ?? new InputProblem(file, line, ReportableId(id), message!);
        if (policy == InvalidRecordPolicy.Fail)
        {
            throw new InvalidInputException(report);
        }

        onProblem?.Invoke(report);
        return null;
    }
}
