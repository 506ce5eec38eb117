using ProtSt.Pipeline;

namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// The rows of one results.tsv (an assembled output or one part) held column by column, so that pages, filters and
/// sorts over a million rows answer from memory. A piece never changes once published, so it is read once.
/// </summary>
public sealed class ResultPiece
{
    private ResultPiece(string directory, ScoreColumns? columns, string[] ids, int[] lengths, bool[] truncated, int[] labels, float[] scores)
    {
        Directory = directory;
        Columns = columns;
        Ids = ids;
        Lengths = lengths;
        Truncated = truncated;
        Labels = labels;
        Scores = scores;
    }

    public string Directory { get; }

    /// <summary>The per-class score columns, or null for an embed job.</summary>
    public ScoreColumns? Columns { get; }

    public string[] Ids { get; }

    public int[] Lengths { get; }

    public bool[] Truncated { get; }

    /// <summary>Each row's predicted class (an index into <see cref="Columns"/>), -1 without predictions.</summary>
    public int[] Labels { get; }

    /// <summary>Row-major [rows, classes].</summary>
    public float[] Scores { get; }

    public int Count => Ids.Length;

    public int Classes => Columns?.ClassNames.Count ?? 0;

    /// <summary>Row <paramref name="row"/>'s scores, one per class.</summary>
    public ReadOnlySpan<float> ScoresOf(int row) => Scores.AsSpan(row * Classes, Classes);

    /// <summary>The score of row <paramref name="row"/>'s predicted class, or NaN without predictions.</summary>
    public float TopScore(int row) => Labels[row] < 0 ? float.NaN : Scores[(row * Classes) + Labels[row]];

    public static async Task<ResultPiece> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = ResultsTable.PathIn(directory);
        using (var reader = new StreamReader(path))
        {
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

            return new ResultPiece(directory, columns, [.. ids], [.. lengths], [.. truncated], [.. labels], [.. scores]);
        }
    }
}
