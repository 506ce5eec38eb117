using ProtSt.Pipeline;

namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// The rows of one results.tsv (an assembled output or one part). With its <see cref="ResultsIndex"/> (its own, or for a
/// finished job kept in parts the job's one index of them all) a piece holds only the columns pages, label filters and
/// sorts need (length, label, top score) and reads a page's rows from the file; without one (an older job), or once ids
/// are asked for, it holds every column, read once. A piece never changes once published.
/// </summary>
public sealed class ResultPiece
{
    private readonly ResultsIndex? _index;
    private readonly int _first;
    private readonly bool _windows;
    private AllColumns? _all;

    private readonly Lazy<int[]>? _lengths;
    private readonly Lazy<int[]>? _labels;
    private readonly Lazy<float[]>? _topScores;

    private ResultPiece(string directory, ScoreColumns? columns, bool windows, ResultsIndex? index, int first, int count, int[]? lengths, int[]? labels, float[]? topScores, AllColumns? all)
    {
        Directory = directory;
        Columns = columns;
        _windows = windows;
        _index = index;
        _first = first;
        Count = count;
        _all = all;
        if (index is null)
        {
            (_lengths, _labels, _topScores) = (new(() => lengths!), new(() => labels!), new(() => topScores!));
        }
        else if (first != 0 || count != index.Count)
        {
            // One part of a job-wide index: its rows of each column, taken when first asked for.
            (_lengths, _labels, _topScores) = (new(() => index.Lengths[first..(first + count)]), new(() => index.Labels[first..(first + count)]), new(() => index.TopScores[first..(first + count)]));
        }
    }

    public string Directory { get; }

    /// <summary>The per-class score columns, or null for an embed job.</summary>
    public ScoreColumns? Columns { get; }

    /// <summary>The index the piece is read from: its own, or the one of all the job's parts that it is a part of; null without one.</summary>
    public ResultsIndex? Index => _index;

    public int[] Lengths => _lengths?.Value ?? _index!.Lengths;

    /// <summary>Each row's predicted class (an index into <see cref="Columns"/>), -1 without predictions.</summary>
    public int[] Labels => _labels?.Value ?? _index!.Labels;

    /// <summary>The score of each row's predicted class; NaN without predictions.</summary>
    public float[] TopScores => _topScores?.Value ?? _index!.TopScores;

    /// <summary>True once every column is in memory (ids included).</summary>
    public bool HasIds => _all is not null;

    /// <summary>The ids; only after <see cref="LoadIdsAsync"/>.</summary>
    public string[] Ids => (_all ?? throw new InvalidOperationException($"{Directory}: ids are read on demand; call {nameof(LoadIdsAsync)} first.")).Ids;

    public int Count { get; }

    public int Classes => Columns?.ClassNames.Count ?? 0;

    /// <summary>The score of row <paramref name="row"/>'s predicted class, or NaN without predictions.</summary>
    public float TopScore(int row) => TopScores[row];

    /// <summary>Row <paramref name="row"/> of the piece, <paramref name="record"/> being its number in the job.</summary>
    public ResultItem Item(int record, int row, IReadOnlyList<string> classNames)
    {
        if (_all is { } all)
        {
            var label = Labels[row];
            return new ResultItem(record, all.Ids[row], Lengths[row], all.Truncated[row], label < 0 ? null : classNames[label], label < 0 ? null : all.Scores.AsSpan(row * Classes, Classes).ToArray());
        }

        var parsed = ResultsTable.ParseRow(ResultsTable.PathIn(Directory), row + 2, _index!.ReadFields(_first + row), Columns, _windows);
        return new ResultItem(record, parsed.Id, parsed.Length, parsed.Truncated, parsed.Label, parsed.Scores);
    }

    /// <summary>Reads every column (ids for id filters and sorts), once.</summary>
    public async Task LoadIdsAsync(CancellationToken cancellationToken)
    {
        if (_all is null)
        {
            _all = (await ReadAllAsync(Directory, cancellationToken)).All;
        }
    }

    /// <summary>The piece in <paramref name="directory"/>: from its index when it has one, else every row of its results.tsv.</summary>
    public static async Task<ResultPiece> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        if (ResultsIndex.TryOpen(directory) is { } index && Of(index) is [var indexed])
        {
            return indexed;
        }

        var (scores, all, lengths, labels) = await ReadAllAsync(directory, cancellationToken);
        var classes = scores?.ClassNames.Count ?? 0;
        var top = new float[labels.Length];
        for (var row = 0; row < top.Length; row++)
        {
            top[row] = labels[row] < 0 ? float.NaN : all.Scores[(row * classes) + labels[row]];
        }

        return new ResultPiece(directory, scores, false, null, 0, labels.Length, lengths, labels, top, all);
    }

    /// <summary>
    /// The pieces of <paramref name="index"/>'s tables (one, or each part of a job-wide index), or null when its header
    /// does not name as many classes as it indexed.
    /// </summary>
    public static IReadOnlyList<ResultPiece>? Of(ResultsIndex index)
    {
        var header = index.Header.TrimEnd('\n', '\r');
        var columns = ResultsTable.ParseHeader(ResultsTable.PathIn(index.Directories[0]), header);
        if ((columns?.ClassNames.Count ?? 0) != index.Classes)
        {
            return null;
        }

        var windows = header.EndsWith("\t" + ResultsTable.WindowsColumn, StringComparison.Ordinal);
        return [.. index.Directories.Select((directory, table) => new ResultPiece(
            directory, columns, windows, index, index.RowStart(table), index.RowStart(table + 1) - index.RowStart(table), null, null, null, null))];
    }

    private static async Task<(ScoreColumns? Scores, AllColumns All, int[] Lengths, int[] Labels)> ReadAllAsync(string directory, CancellationToken cancellationToken)
    {
        var path = ResultsTable.PathIn(directory);
        using var reader = new StreamReader(path);

        // The header alone says whether there are score columns; ReadAsync below checks every row against it.
        var header = await reader.ReadLineAsync(cancellationToken) ?? throw new InvalidDataException($"{path} is empty: a results table has at least its header line.");
        var columns = ResultsTable.ParseHeader(path, header);
        var classIndex = columns?.ClassNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var ids = new List<string>();
        var lengths = new List<int>();
        var truncated = new List<bool>();
        var labels = new List<int>();
        var scores = new List<float>();
        await foreach (var row in ResultsTable.ReadAsync(path, cancellationToken))
        {
            ids.Add(row.Id);
            lengths.Add(row.Length);
            truncated.Add(row.Truncated);
            if (classIndex is null)
            {
                labels.Add(-1);
                continue;
            }

            labels.Add(classIndex.TryGetValue(row.Label!, out var index)
                ? index
                : throw new InvalidDataException($"{path}: row '{row.Id}' has the label '{row.Label}', which is not one of its score columns."));
            scores.AddRange(row.Scores!);
        }

        return (columns, new AllColumns([.. ids], [.. truncated], [.. scores]), [.. lengths], [.. labels]);
    }

    /// <summary>The columns only a whole read gives: ids, truncation, and every score (row-major [rows, classes]).</summary>
    private sealed record AllColumns(string[] Ids, bool[] Truncated, float[] Scores);
}
