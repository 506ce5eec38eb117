using System.Globalization;
using System.Runtime.CompilerServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Owns <c>results.tsv</c>: one row per record that has an embedding, in record order — <c>id</c>, <c>length</c>,
/// <c>truncated</c>, and for a screen that predicts <c>label</c> (the top class) then one <see cref="ScoreColumns"/>
/// column per class at round-trip precision.
/// </summary>
public static class ResultsTable
{
    public const string FileName = "results.tsv";
    public const string IdColumn = "id";
    public const string LengthColumn = "length";
    public const string TruncatedColumn = "truncated";
    public const string LabelColumn = "label";

    /// <summary>Under <c>--long window</c>: how many windows each protein took (1 for one that fits the model).</summary>
    public const string WindowsColumn = "windows";

    private const string BaseHeader = IdColumn + "\t" + LengthColumn + "\t" + TruncatedColumn;

    /// <summary>The file in <paramref name="directory"/> (an output folder or one part of it).</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The header line of a table with <paramref name="scores"/> (none: the three base columns only).</summary>
    public static string Header(ScoreColumns? scores, bool windows = false) => scores is null
        ? windows ? $"{BaseHeader}\t{WindowsColumn}" : BaseHeader
        : $"{BaseHeader}\t{LabelColumn}\t" + string.Join('\t', scores.ClassNames.Select(n => scores.Prefix + n));

    /// <summary>The score columns that <paramref name="header"/> names, or null for a table without predictions.</summary>
    public static ScoreColumns? ParseHeader(string path, string header)
    {
        var columns = header.Split('\t');
        if (columns is not [IdColumn, LengthColumn, TruncatedColumn, ..])
        {
            throw new InvalidDataException($"{path} starts with '{header}', not the '{BaseHeader}' of a results table.");
        }

        if (columns.Length == 3 || columns is [_, _, _, WindowsColumn])
        {
            return null;
        }

        var prefix = columns.Length > 4 && columns[3] == LabelColumn
            ? new[] { ScoreColumns.ZeroShotPrefix, ScoreColumns.ClassifierPrefix }.FirstOrDefault(p => columns[4].StartsWith(p, StringComparison.Ordinal))
            : null;
        if (prefix is null || !columns.Skip(4).All(c => c.StartsWith(prefix, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"{path} has the columns '{header}': after '{BaseHeader}' a results table has '{LabelColumn}' and score columns of one prefix.");
        }

        return new ScoreColumns(prefix, [.. columns.Skip(4).Select(c => c[prefix.Length..])]);
    }

    /// <summary>The rows of the table at <paramref name="path"/>, streamed in file order.</summary>
    public static async IAsyncEnumerable<ResultRow> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ScoreColumns? scores = null;
        var windows = false;
        var line = 0;
        await foreach (var fields in TsvTable.ReadAsync(path, cancellationToken))
        {
            if (line++ == 0)
            {
                scores = ParseHeader(path, string.Join('\t', fields));
                windows = fields is [_, _, _, WindowsColumn];
                continue;
            }

            yield return ParseRow(path, line, fields, scores, windows);
        }

        if (line == 0)
        {
            throw new InvalidDataException($"{path} is empty: a results table has at least its header line.");
        }
    }

    /// <summary>
    /// The row that <paramref name="fields"/> (line <paramref name="line"/> of <paramref name="path"/>, split at tabs)
    /// holds in a table of <paramref name="scores"/>' columns (with a <c>windows</c> column when <paramref name="windows"/>).
    /// </summary>
    public static ResultRow ParseRow(string path, int line, string[] fields, ScoreColumns? scores, bool windows)
    {
        var width = scores is null ? windows ? 4 : 3 : 4 + scores.ClassNames.Count;
        if (fields.Length != width)
        {
            throw new InvalidDataException($"{path}: line {line} has {fields.Length} fields where the header has {width}.");
        }

        return new ResultRow(
            fields[0],
            int.Parse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture),
            fields[2] switch
            {
                "true" => true,
                "false" => false,
                _ => throw new InvalidDataException($"{path}: line {line} has truncated '{fields[2]}', not true or false."),
            },
            scores is null ? null : fields[3],
            scores is null ? null : [.. fields.Skip(4).Select(f => float.Parse(f, NumberStyles.Float, CultureInfo.InvariantCulture))],
            windows ? int.Parse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture) : 1);
    }
}
