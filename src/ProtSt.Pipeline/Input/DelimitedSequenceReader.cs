using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using nietras.SeparatedValues;

namespace ProtSt.Pipeline;

/// <summary>
/// Streams records from CSV or TSV with a header row (plain or gzip; UTF-8 with or without a byte-order mark, or
/// UTF-16 with one), such as the ProtST datasets' layout (<c>Unnamed: 0</c>, <c>prot_seq</c> with residues
/// separated by spaces, <c>localization</c>). Parsed as RFC 4180 by Sep: quoted fields may hold delimiters, doubled
/// quotes and line breaks; a record's line is the line it starts on. Whitespace inside a sequence is removed.
/// </summary>
public static class DelimitedSequenceReader
{
    // Sep refuses a row past 16 Mi characters with an exception of its own; records stop well before that.
    private const int MaxSepRowChars = 8 << 20;

    public static IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream stream, string displayName, char delimiter, InvalidRecordPolicy policy, Action<InputProblem>? onProblem, CancellationToken cancellationToken) =>
        ReadAsync(stream, displayName, delimiter, InputLimits.Default, policy, onProblem, cancellationToken);

    /// <summary>Reads records from <paramref name="stream"/>, refusing one past <paramref name="limits"/> while it is read; the stream is left open.</summary>
    public static async IAsyncEnumerable<SequenceRecord> ReadAsync(
        Stream stream, string displayName, char delimiter, InputLimits limits, InvalidRecordPolicy policy, Action<InputProblem>? onProblem,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new StreamReader(await InputStreams.OpenAsync(stream, cancellationToken), new UTF8Encoding(false), true, 1 << 16, leaveOpen: true);
        var maxChars = Math.Min(limits.MaxRecordChars, MaxSepRowChars);
        using var bounded = new RecordLimitingReader(text, maxChars);
        using var rows = await Guard(displayName, 1, () => Sep.Reader(o => o with
        {
            Sep = new Sep(delimiter),
            HasHeader = false,
            Unescape = true,
            DisableColCountCheck = true,
        }).FromAsync(bounded, cancellationToken).AsTask());

        string[]? header = null;
        int idColumn = -1, sequenceColumn = -1, labelColumn = -1;
        var line = 1L;
        while (await Guard(displayName, line, () => rows.MoveNextAsync(cancellationToken).AsTask()))
        {
            // Sep numbers the first row of a header-less read oddly (2 to 2); a row starts where the one before it ended.
            var (fields, next, binary) = Fields(rows.Current);
            var start = line;
            line = next;
            if (fields.Length == 1 && fields[0].Length == 0)
            {
                if (bounded.TakeCut(start))
                {
                    var tooLong = new InputProblem(displayName, start, null,
                        string.Create(CultureInfo.InvariantCulture, $"the record is longer than {maxChars} characters (the sequence limit is {InputLimits.SequenceOption} = {limits.MaxSequenceResidues})"));
                    if (header is null)
                    {
                        throw new InvalidInputException(tooLong);
                    }

                    policy.Refuse(tooLong, onProblem);
                }

                continue;
            }

            if (binary is { } bad)
            {
                var problem = new InputProblem(displayName, start, null, $"binary data (control character 0x{(int)bad:X2}); this is not a text CSV/TSV file");
                if (header is null)
                {
                    throw new InvalidInputException(problem);
                }

                policy.Refuse(problem, onProblem);
                continue;
            }

            if (header is null)
            {
                header = fields;
                sequenceColumn = SequenceColumns.Find(header, SequenceColumns.Sequence);
                if (sequenceColumn < 0)
                {
                    throw new InvalidInputException(new InputProblem(displayName, start, null, fields.Length == 1
                        ? $"not a FASTA file (no '>' header line before the first sequence) and not a CSV/TSV file (the first line has no '{delimiter switch { '\t' => "\\t", _ => delimiter.ToString() }}' and none of the sequence columns {string.Join(", ", SequenceColumns.Sequence)})"
                        : $"no sequence column in the header (expected one of: {string.Join(", ", SequenceColumns.Sequence)}; found: {string.Join(", ", header)})"));
                }

                idColumn = SequenceColumns.Find(header, SequenceColumns.Id);
                labelColumn = SequenceColumns.Find(header, SequenceColumns.Label);
                continue;
            }

            var id = idColumn >= 0 && idColumn < fields.Length ? fields[idColumn].Trim() : $"row{start}";
            var residues = fields.Length == header.Length ? Residues(fields[sequenceColumn]) : 0;
            var message = fields.Length != header.Length
                ? $"{fields.Length} fields where the header has {header.Length}"
                : RecordRules.IdProblem(id, limits) ?? RecordRules.SequenceProblem(residues, limits);
            if (message is not null)
            {
                policy.Refuse(new InputProblem(displayName, start, RecordRules.Reportable(id, limits), message), onProblem);
                continue;
            }

            var sequence = string.Create(residues, fields[sequenceColumn], static (span, field) =>
            {
                var i = 0;
                foreach (var c in field)
                {
                    if (!char.IsWhiteSpace(c))
                    {
                        span[i++] = c;
                    }
                }
            });
            yield return new SequenceRecord(id, sequence, displayName, start, labelColumn >= 0 ? fields[labelColumn].Trim() : null);
        }

        if (header is null)
        {
            throw new InvalidInputException(new InputProblem(displayName, 1, null, "the file is empty; expected a header row"));
        }
    }

    /// <summary>The row's fields, the line after it, and the first control character in its text (tab, CR and LF aside).</summary>
    private static (string[] Fields, long Next, char? Binary) Fields(SepReader.Row row)
    {
        var fields = new string[row.ColCount];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = row[i].ToString();
        }

        return (fields, row.LineNumberToExcl, InputStreams.FindControlCharacter(row.Span));
    }

    private static int Residues(string field)
    {
        var count = 0;
        foreach (var c in field)
        {
            count += char.IsWhiteSpace(c) ? 0 : 1;
        }

        return count;
    }

    /// <summary>Runs a read, reporting a corrupt or truncated compressed stream with the line it stopped at.</summary>
    private static async Task<T> Guard<T>(string displayName, long line, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidInputException(new InputProblem(displayName, line, null, $"the compressed stream is corrupt or truncated ({e.Message})"), e);
        }
    }
}
