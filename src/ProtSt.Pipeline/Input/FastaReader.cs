using System.Runtime.CompilerServices;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams records from FASTA (plain or gzip, detected by its magic bytes): multi-line sequences, CRLF, blank and
/// <c>;</c> comment lines. Problems carry the file and line; per-record problems follow the <see cref="InvalidRecordPolicy"/>.
/// </summary>
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

    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream stream, string displayName, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await InputStreams.OpenAsync(stream, displayName, cancellationToken), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16);
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
            catch (InvalidDataException e)
            {
                throw new InvalidInputException(new InputProblem(displayName, lineNumber + 1, null, $"the compressed stream is corrupt or truncated ({e.Message})"), e);
            }

            if (line is null)
            {
                break;
            }

            lineNumber++;
            if (InputStreams.FindControlCharacter(line) is { } bad)
            {
                var message = $"binary data (control character 0x{(int)bad:X2}); this is not a text FASTA file";
                if (id is null)
                {
                    throw new InvalidInputException(new InputProblem(displayName, lineNumber, null, message));
                }

                recordProblem ??= new InputProblem(displayName, lineNumber, id.Length == 0 ? null : id, message);
                continue;
            }

            if (line.Length > 0 && line[0] == '>')
            {
                if (id is not null && Complete(displayName, id, headerLine, sequence, recordProblem, policy, onProblem) is { } previous)
                {
                    yield return previous;
                }

                (id, headerLine, recordProblem) = (ParseId(line), lineNumber, null);
                sequence.Clear();
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

            foreach (var c in line)
            {
                if (!char.IsWhiteSpace(c))
                {
                    sequence.Append(c);
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

    private static SequenceRecord? Complete(
        string file, string id, long line, StringBuilder sequence, InputProblem? problem, InvalidRecordPolicy policy, Action<InputProblem>? onProblem)
    {
        var message = id.Length == 0 ? "the header has no id" : sequence.Length == 0 ? "the record has no sequence" : null;
        if (problem is null && message is null)
        {
            return new SequenceRecord(id, sequence.ToString(), file, line);
        }

        var report = problem ?? new InputProblem(file, line, id.Length == 0 ? null : id, message!);
        if (policy == InvalidRecordPolicy.Fail)
        {
            throw new InvalidInputException(report);
        }

        onProblem?.Invoke(report);
        return null;
    }
}
