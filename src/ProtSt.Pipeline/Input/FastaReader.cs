using System.Runtime.CompilerServices;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams records from FASTA (plain or gzip, detected by its magic bytes; UTF-8 with or without a byte-order mark,
/// or UTF-16 with one): multi-line sequences, CRLF, blank and <c>;</c> comment lines. Problems carry the file and
/// line; per-record problems follow the <see cref="InvalidRecordPolicy"/>.
/// </summary>
/// <remarks>
/// Residue letters are not checked here: the tokenizer owns the alphabet. Only control characters, which no text
/// FASTA holds, are refused. A record past <see cref="InputLimits"/> is refused while it is read: past the limit its
/// residues are counted, not kept, and no line is kept past <see cref="InputLimits.MaxRecordChars"/>. A problem with
/// the stream itself (a corrupt or truncated gzip file, data before the first header) always throws, whatever the policy.
/// </remarks>
public static class FastaReader
{
    public static IAsyncEnumerable<SequenceRecord> ReadAsync(string path, CancellationToken cancellationToken) =>
        ReadAsync(path, InvalidRecordPolicy.Fail, null, cancellationToken);

    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        string path, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = InputFile.Open(path);
        await foreach (var record in ReadAsync(file, path, InputLimits.Default, policy, onProblem, cancellationToken))
        {
            yield return record;
        }
    }

    /// <summary>Reads FASTA from <paramref name="stream"/>'s current position, failing on the first invalid record; the stream is left open.</summary>
    public static IAsyncEnumerable<SequenceRecord> ReadAsync(Stream stream, string displayName, CancellationToken cancellationToken) =>
        ReadAsync(stream, displayName, InputLimits.Default, InvalidRecordPolicy.Fail, null, cancellationToken);

    /// <summary>Reads FASTA from <paramref name="stream"/>'s current position, naming it <paramref name="displayName"/> in problems; the stream is left open.</summary>
    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream stream, string displayName, InputLimits limits, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new StreamReader(await InputStreams.OpenAsync(stream, cancellationToken), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16);
        var reader = new BoundedLineReader(text, limits.MaxRecordChars);
        var lineNumber = 0L;
        var record = new PendingRecord(displayName, limits);

        while (true)
        {
            (string Text, bool Truncated)? next;
            try
            {
                next = await reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw new InvalidInputException(new InputProblem(displayName, lineNumber + 1, null, $"the compressed stream is corrupt or truncated ({e.Message})"), e);
            }

            if (next is not var (line, truncated))
            {
                break;
            }

            lineNumber++;
            var bad = InputStreams.FindControlCharacter(line);
            var garbage = bad is { } c ? $"binary data (control character 0x{(int)c:X2}); this is not a text FASTA file" : null;
            if (line.StartsWith('>'))
            {
                if (record.Complete(policy, onProblem) is { } previous)
                {
                    yield return previous;
                }

                record.Start(ParseId(line), lineNumber, garbage);
                continue;
            }

            if (garbage is not null)
            {
                if (!record.Started)
                {
                    throw new InvalidInputException(new InputProblem(displayName, lineNumber, null, garbage));
                }

                record.Fail(lineNumber, garbage);
                continue;
            }

            if (line.Length == 0 || line[0] == ';' || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!record.Started)
            {
                throw new InvalidInputException(new InputProblem(displayName, lineNumber, null, "sequence data before the first '>' header; this is not a FASTA file"));
            }

            record.Append(line, truncated);
        }

        if (record.Complete(policy, onProblem) is { } last)
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

    /// <summary>The record being read: its residues up to the limit, a count past it, and its first problem.</summary>
    private sealed class PendingRecord(string file, InputLimits limits)
    {
        private readonly StringBuilder _sequence = new();
        private string? _id;
        private long _line;
        private long _residues;
        private bool _cut;
        private InputProblem? _problem;

        public bool Started => _id is not null;

        public void Start(string id, long line, string? garbage)
        {
            (_id, _line, _residues, _cut) = (id, line, 0, false);
            _sequence.Clear();
            _problem = garbage is null ? null : new InputProblem(file, line, RecordRules.Reportable(id, limits), garbage);
        }

        public void Fail(long line, string message) => _problem ??= new InputProblem(file, line, RecordRules.Reportable(_id!, limits), message);

        public void Append(string line, bool truncated)
        {
            // A record already known to be bad is dropped whole; not keeping its text keeps a binary file from filling memory.
            if (_problem is not null)
            {
                return;
            }

            _cut |= truncated;
            foreach (var ch in line)
            {
                if (char.IsWhiteSpace(ch))
                {
                    continue;
                }

                if (++_residues <= limits.MaxSequenceResidues)
                {
                    _sequence.Append(ch);
                }
            }

            if (_residues > limits.MaxSequenceResidues)
            {
                // Counted on to the record's end for the report, kept no further.
                _sequence.Clear();
            }
        }

        public SequenceRecord? Complete(InvalidRecordPolicy policy, Action<InputProblem>? onProblem)
        {
            if (_id is not { } id)
            {
                return null;
            }

            _id = null;
            var message = id.Length == 0 ? "the header has no id" : RecordRules.IdProblem(id, limits) ?? RecordRules.SequenceProblem(_residues, limits, atLeast: _cut);
            if (_problem is null && message is null)
            {
                return new SequenceRecord(id, _sequence.ToString(), file, _line);
            }

            policy.Refuse(_problem ?? new InputProblem(file, _line, RecordRules.Reportable(id, limits), message!), onProblem);
            return null;
        }
    }
}
