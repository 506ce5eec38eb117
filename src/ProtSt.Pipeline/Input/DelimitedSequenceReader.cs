using System.Runtime.CompilerServices;
using System.Text;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams records from CSV or TSV with a header row (plain or gzip), such as the ProtST datasets' layout
/// (<c>Unnamed: 0</c>, <c>prot_seq</c> with residues separated by spaces, <c>localization</c>). Quoted CSV fields are
/// understood; whitespace inside a sequence is removed.
/// </summary>
public static class DelimitedSequenceReader
{
    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream stream, string displayName, char delimiter, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await InputStreams.OpenAsync(stream, cancellationToken), new UTF8Encoding(false), true, 1 << 16, leaveOpen: true);
        var lineNumber = 0L;
        string[]? header = null;
        int idColumn = -1, sequenceColumn = -1, labelColumn = -1;
        while (await ReadLineAsync(reader, displayName, lineNumber, cancellationToken) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (InputStreams.FindControlCharacter(line) is { } bad)
            {
                var problem = new InputProblem(displayName, lineNumber, null, $"binary data (control character 0x{(int)bad:X2}); this is not a text CSV/TSV file");
                if (header is null || policy == InvalidRecordPolicy.Fail)
                {
                    throw new InvalidInputException(problem);
                }

                onProblem?.Invoke(problem);
                continue;
            }

            var fields = Split(line, delimiter);
            if (header is null)
            {
                header = fields;
                sequenceColumn = SequenceColumns.Find(header, SequenceColumns.Sequence);
                if (sequenceColumn < 0)
                {
                    throw new InvalidInputException(new InputProblem(displayName, lineNumber, null,
                        $"no sequence column in the header (expected one of: {string.Join(", ", SequenceColumns.Sequence)}; found: {string.Join(", ", header)})"));
                }

                idColumn = SequenceColumns.Find(header, SequenceColumns.Id);
                labelColumn = SequenceColumns.Find(header, SequenceColumns.Label);
                continue;
            }

            var id = idColumn >= 0 && idColumn < fields.Length ? fields[idColumn].Trim() : $"row{lineNumber}";
            string? message = fields.Length != header.Length
                ? $"{fields.Length} fields where the header has {header.Length}"
                : id.Length == 0 ? "the id is empty"
                : string.IsNullOrWhiteSpace(fields[sequenceColumn]) ? "the record has no sequence"
                : null;
            if (message is not null)
            {
                var problem = new InputProblem(displayName, lineNumber, id.Length == 0 ? null : id, message);
                if (policy == InvalidRecordPolicy.Fail)
                {
                    throw new InvalidInputException(problem);
                }

                onProblem?.Invoke(problem);
                continue;
            }

            var sequence = string.Concat(fields[sequenceColumn].Where(c => !char.IsWhiteSpace(c)));
            yield return new SequenceRecord(id, sequence, displayName, lineNumber, labelColumn >= 0 ? fields[labelColumn].Trim() : null);
        }

        if (header is null)
        {
            throw new InvalidInputException(new InputProblem(displayName, 1, null, "the file is empty; expected a header row"));
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, string displayName, long lineNumber, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidInputException(new InputProblem(displayName, lineNumber + 1, null, $"the compressed stream is corrupt or truncated ({e.Message})"), e);
        }
    }

    /// <summary>One CSV/TSV line's fields; double-quoted fields may hold the delimiter and doubled quotes.</summary>
    internal static string[] Split(string line, char delimiter)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return [.. fields];
    }
}
