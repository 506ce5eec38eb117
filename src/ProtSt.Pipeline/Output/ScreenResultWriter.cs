using System.Globalization;
using System.Text;
using ProtSt.Model.Inference;

namespace ProtSt.Pipeline;

/// <summary>
/// Writes a screen's outputs: <c>results.tsv</c> (id, length, truncated, and for predicting models the top label and one
/// score or probability column per class, at round-trip precision) and <c>embeddings.parquet</c> (id, mean embedding,
/// and the projected feature for ProtST models); and <c>failures.tsv</c> (id, length, error) for records the devices
/// failed on, which have no row in the other two.
/// </summary>
public sealed class ScreenResultWriter : IAsyncDisposable
{
    public const string ResultsFile = "results.tsv";
    public const string EmbeddingsFile = "embeddings.parquet";
    public const string FailuresFile = "failures.tsv";

    private readonly StreamWriter _results;
    private readonly StreamWriter _failures;
    private readonly EmbeddingParquetWriter _embeddings;
    private readonly ScoreColumns? _scores;
    private readonly StringBuilder _line = new();

    public ScreenResultWriter(string directory, ScoreColumns? scores = null, bool withFeature = false)
    {
        if (scores is not null)
        {
            foreach (var name in scores.ClassNames)
            {
                CheckField(name, "Class name");
            }
        }

        Directory.CreateDirectory(directory);
        _scores = scores;
        _results = new StreamWriter(Path.Combine(directory, ResultsFile), append: false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _results.WriteLine(scores is null
            ? "id\tlength\ttruncated"
            : "id\tlength\ttruncated\tlabel\t" + string.Join('\t', scores.ClassNames.Select(n => scores.Prefix + n)));
        _failures = new StreamWriter(Path.Combine(directory, FailuresFile), append: false, new UTF8Encoding(false), 1 << 12) { NewLine = "\n" };
        _failures.WriteLine("id\tlength\terror");
        _embeddings = new EmbeddingParquetWriter(Path.Combine(directory, EmbeddingsFile), withFeature: withFeature);
    }

    public long Rows { get; private set; }

    /// <summary>Records written to <c>failures.tsv</c>.</summary>
    public long Failures { get; private set; }

    /// <summary>Records a record the devices failed on: its id, length and the error (line breaks and tabs flattened).</summary>
    public async ValueTask WriteFailureAsync(string id, int length, string error, CancellationToken cancellationToken)
    {
        CheckField(id, "Id");
        var flat = error.ReplaceLineEndings(" ").Replace('\t', ' ');
        await _failures.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{id}\t{length}\t{flat}").AsMemory(), cancellationToken);
        Failures++;
    }

    public ValueTask WriteAsync(string id, int length, bool truncated, ReadOnlyMemory<float> embedding, CancellationToken cancellationToken) =>
        WriteAsync(id, length, truncated, embedding, ReadOnlyMemory<float>.Empty, null, cancellationToken);

    public async ValueTask WriteAsync(
        string id, int length, bool truncated, ReadOnlyMemory<float> embedding, ReadOnlyMemory<float> feature, float[]? scores, CancellationToken cancellationToken)
    {
        CheckField(id, "Id");
        _line.Clear();
        _line.Append(id).Append('\t').Append(length.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(truncated ? "true" : "false");
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

        // The Parquet row first: it validates the vectors, so a refused row leaves no line behind in the table either.
        await _embeddings.WriteAsync(id, embedding, feature, cancellationToken);
        await _results.WriteLineAsync(_line.ToString().AsMemory(), cancellationToken);
        Rows++;
    }

    public async ValueTask DisposeAsync()
    {
        await _results.DisposeAsync();
        await _failures.DisposeAsync();
        await _embeddings.DisposeAsync();
    }

    private static void CheckField(string value, string what)
    {
        if (value.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
        {
            throw new ArgumentException($"{what} '{value.ReplaceLineEndings(" ")}' contains a tab or line break and cannot be written to TSV.");
        }
    }
}
