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

    /// <summary>Rows per Parquet row group between checkpoints.</summary>
    public const int DefaultRowGroupSize = 4096;

    private const string FailuresHeader = "id\tlength\terror";

    private readonly StreamWriter _results;
    private readonly StreamWriter _failures;
    private readonly EmbeddingParquetWriter _embeddings;
    private readonly ScoreColumns? _scores;
    private readonly StringBuilder _line = new();

    public ScreenResultWriter(string directory, ScoreColumns? scores = null, bool withFeature = false, int rowGroupSize = DefaultRowGroupSize)
    {
        CheckClassNames(scores);
        OutputFolder.Create(directory);
        _scores = scores;
        _results = Open(Path.Combine(directory, ResultsFile), FileMode.Create, 1 << 16);
        _results.WriteLine(Header(scores));
        _failures = Open(Path.Combine(directory, FailuresFile), FileMode.Create, 1 << 12);
        _failures.WriteLine(FailuresHeader);
        _embeddings = new EmbeddingParquetWriter(Path.Combine(directory, EmbeddingsFile), rowGroupSize, withFeature);
    }

    private ScreenResultWriter(string directory, ScreenFilesCheckpoint checkpoint, ScoreColumns? scores, bool withFeature, int rowGroupSize)
    {
        CheckClassNames(scores);
        _scores = scores;
        var results = Path.Combine(directory, ResultsFile);
        var header = File.ReadLines(results).FirstOrDefault();
        if (header != Header(scores))
        {
            throw new InvalidDataException($"{results} has the columns '{header}', not the '{Header(scores)}' this job writes; it was not written by the same job.");
        }

        _results = Reopen(results, checkpoint.ResultsBytes, 1 << 16);
        _failures = Reopen(Path.Combine(directory, FailuresFile), checkpoint.FailuresBytes, 1 << 12);
        _embeddings = EmbeddingParquetWriter.Resume(Path.Combine(directory, EmbeddingsFile), checkpoint.Embeddings, rowGroupSize, withFeature);
        (Rows, Failures) = (checkpoint.Rows, checkpoint.Failures);
    }

    /// <summary>
    /// Continues the outputs in <paramref name="directory"/> from <paramref name="checkpoint"/>: rows written after it (by a
    /// job that then died) are dropped, the rest are kept, and new rows follow them.
    /// </summary>
    public static ScreenResultWriter Resume(
        string directory, ScreenFilesCheckpoint checkpoint, ScoreColumns? scores = null, bool withFeature = false, int rowGroupSize = DefaultRowGroupSize) =>
        new(directory, checkpoint, scores, withFeature, rowGroupSize);

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

    /// <summary>
    /// Makes everything written so far durable (flushed to disk, the Parquet file complete) and returns where each file
    /// stands, for <see cref="Resume"/>.
    /// </summary>
    public async Task<ScreenFilesCheckpoint> CheckpointAsync(CancellationToken cancellationToken)
    {
        var embeddings = await _embeddings.CheckpointAsync(cancellationToken);
        return new ScreenFilesCheckpoint(Rows, Failures, await DurableLengthAsync(_results, cancellationToken), await DurableLengthAsync(_failures, cancellationToken), embeddings);
    }

    public async ValueTask DisposeAsync()
    {
        await _results.DisposeAsync();
        await _failures.DisposeAsync();
        await _embeddings.DisposeAsync();
    }

    private static string Header(ScoreColumns? scores) => scores is null
        ? "id\tlength\ttruncated"
        : "id\tlength\ttruncated\tlabel\t" + string.Join('\t', scores.ClassNames.Select(n => scores.Prefix + n));

    private static void CheckClassNames(ScoreColumns? scores)
    {
        foreach (var name in scores?.ClassNames ?? [])
        {
            CheckField(name, "Class name");
        }
    }

    private static StreamWriter Open(string path, FileMode mode, int bufferSize) =>
        Writer(new FileStream(path, mode, FileAccess.Write, FileShare.Read), bufferSize);

    private static StreamWriter Reopen(string path, long length, int bufferSize) =>
        Writer(CheckpointedFile.OpenAt(path, length, FileAccess.Write), bufferSize);

    private static StreamWriter Writer(FileStream stream, int bufferSize) => new(stream, new UTF8Encoding(false), bufferSize) { NewLine = "\n" };

    private static async Task<long> DurableLengthAsync(StreamWriter writer, CancellationToken cancellationToken)
    {
        await writer.FlushAsync(cancellationToken);
        ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
        return writer.BaseStream.Position;
    }

    private static void CheckField(string value, string what)
    {
        if (value.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
        {
            throw new ArgumentException($"{what} '{value.ReplaceLineEndings(" ")}' contains a tab or line break and cannot be written to TSV.");
        }
    }
}
