using System.Globalization;
using System.Text;
using ProtSt.Model.Inference;

namespace ProtSt.Pipeline;

/// <summary>Appends rows to a <see cref="ResultsTable"/>, fresh or continued from a checkpoint.</summary>
internal sealed class ResultsTableWriter : IAsyncDisposable
{
    private readonly StreamWriter _writer;
    private readonly ScoreColumns? _scores;
    private readonly bool _windows;
    private readonly StringBuilder _line = new();

    private ResultsTableWriter(StreamWriter writer, ScoreColumns? scores, bool windows = false)
    {
        _writer = writer;
        _scores = scores;
        _windows = windows;
    }

    public static ResultsTableWriter Create(string directory, ScoreColumns? scores, bool windows = false)
    {
        CheckClassNames(scores);
        if (windows && scores is not null)
        {
            throw new ArgumentException("A windowed table has no score columns: windows give embeddings only.", nameof(windows));
        }

        return new(TsvTable.Create(ResultsTable.PathIn(directory), ResultsTable.Header(scores, windows), 1 << 16), scores, windows);
    }

    /// <summary>Continues the table at <paramref name="length"/> bytes; refuses a table whose header another job wrote.</summary>
    public static ResultsTableWriter Resume(string directory, long length, ScoreColumns? scores)
    {
        CheckClassNames(scores);
        var path = ResultsTable.PathIn(directory);
        var header = File.ReadLines(path).FirstOrDefault();
        if (header != ResultsTable.Header(scores))
        {
            throw new InvalidDataException($"{path} has the columns '{header}', not the '{ResultsTable.Header(scores)}' this job writes; it was not written by the same job.");
        }

        return new(TsvTable.Reopen(path, length, 1 << 16), scores);
    }

    /// <summary>
    /// The line for a row, or an exception when the row does not fit the table; kept apart from <see cref="WriteLineAsync"/>
    /// so a sink can check every file's row before it writes any.
    /// </summary>
    public string Format(string id, int length, bool truncated, float[]? scores, int windows = 1)
    {
        TsvTable.CheckField(id, "Id");
        _line.Clear();
        _line.Append(id).Append('\t').Append(length.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(truncated ? "true" : "false");
        if (_windows)
        {
            _line.Append('\t').Append(windows.ToString(CultureInfo.InvariantCulture));
        }
        if (_scores is not null)
        {
            if (scores is null || scores.Length != _scores.ClassNames.Count)
            {
                throw new ArgumentException($"Record '{id}' has {scores?.Length ?? 0} scores for {_scores.ClassNames.Count} classes.", nameof(scores));
            }

            _line.Append('\t').Append(_scores.ClassNames[ZeroShotScorer.ArgMax(scores)]);
            foreach (var score in scores)
            {
                // float.ToString() is the shortest string that parses back to the same float.
                _line.Append('\t').Append(score.ToString(CultureInfo.InvariantCulture));
            }
        }

        return _line.ToString();
    }

    public Task WriteLineAsync(string line, CancellationToken cancellationToken) => _writer.WriteLineAsync(line.AsMemory(), cancellationToken);

    public Task<long> CheckpointAsync(CancellationToken cancellationToken) => TsvTable.DurableLengthAsync(_writer, cancellationToken);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    /// <summary>Refuses class names that would split the header.</summary>
    public static void CheckClassNames(ScoreColumns? scores)
    {
        foreach (var name in scores?.ClassNames ?? [])
        {
            TsvTable.CheckField(name, "Class name");
        }
    }
}
