namespace ProtSt.Pipeline;

/// <summary>
/// The sink a screen (or one shard's part) writes its rows to: each row goes to <see cref="ResultsTable"/> and
/// <see cref="EmbeddingsTable"/>, each record the devices failed on to <see cref="FailuresTable"/>; the tables own their
/// file names and columns, this type only keeps them in step and checkpoints them together. <see cref="ScreenResultReader"/>
/// reads the rows back.
/// </summary>
public sealed class ScreenResultWriter : IAsyncDisposable
{
    // Kept for callers that name the files through the sink; the tables own the names.
    public const string ResultsFile = ResultsTable.FileName;
    public const string EmbeddingsFile = EmbeddingsTable.FileName;
    public const string FailuresFile = FailuresTable.FileName;

    /// <summary>The text tables this sink writes, each with one header line: what an assembler concatenates byte for byte.</summary>
    public static readonly IReadOnlyList<string> TsvFiles = [ResultsTable.FileName, FailuresTable.FileName];

    /// <summary>The Parquet files this sink writes, one schema per file: what an assembler concatenates row group by row group.</summary>
    public static readonly IReadOnlyList<string> ParquetFiles = [EmbeddingsTable.FileName];

    /// <summary>The Parquet files a part holds only when its job asked for them (<c>--include</c>); assembled when the parts have them.</summary>
    public static readonly IReadOnlyList<string> OptionalParquetFiles = [ResiduesTable.FileName, ContactsTable.FileName];

    /// <summary>Rows per Parquet row group between checkpoints.</summary>
    public const int DefaultRowGroupSize = 4096;

    private readonly ResultsTableWriter _results;
    private readonly FailuresTableWriter _failures;
    private readonly EmbeddingParquetWriter _embeddings;

    public ScreenResultWriter(
        string directory, ScoreColumns? scores = null, bool withFeature = false, int rowGroupSize = DefaultRowGroupSize, IReadOnlyList<string>? vectorColumns = null, bool windows = false)
    {
        // The class names are checked before the folder is made, so a refused header leaves nothing behind.
        ResultsTableWriter.CheckClassNames(scores);
        OutputFolder.Create(directory);
        _results = ResultsTableWriter.Create(directory, scores, windows);
        _failures = FailuresTableWriter.Create(directory);
        _embeddings = new EmbeddingParquetWriter(EmbeddingsTable.PathIn(directory), rowGroupSize, withFeature, vectorColumns);
    }

    private ScreenResultWriter(string directory, ScreenFilesCheckpoint checkpoint, ScoreColumns? scores, bool withFeature, int rowGroupSize)
    {
        _results = ResultsTableWriter.Resume(directory, checkpoint.ResultsBytes, scores);
        _failures = FailuresTableWriter.Resume(directory, checkpoint.FailuresBytes);
        _embeddings = EmbeddingParquetWriter.Resume(EmbeddingsTable.PathIn(directory), checkpoint.Embeddings, rowGroupSize, withFeature);
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
        await _failures.WriteAsync(new FailureRow(id, length, error), cancellationToken);
        Failures++;
    }

    public ValueTask WriteAsync(string id, int length, bool truncated, ReadOnlyMemory<float> embedding, CancellationToken cancellationToken) =>
        WriteAsync(id, length, truncated, embedding, ReadOnlyMemory<float>.Empty, null, cancellationToken);

    public ValueTask WriteAsync(
        string id, int length, bool truncated, ReadOnlyMemory<float> embedding, ReadOnlyMemory<float> feature, float[]? scores, CancellationToken cancellationToken) =>
        WriteAsync(id, length, truncated, embedding, feature, scores, null, 1, cancellationToken);

    /// <summary>
    /// Writes one row; <paramref name="vectors"/> fills the further embedding columns the sink was created with
    /// (<c>mean_&lt;k&gt;</c>, <c>bos_&lt;k&gt;</c>), <paramref name="windows"/> its windows column when it has one.
    /// </summary>
    public async ValueTask WriteAsync(
        string id, int length, bool truncated, ReadOnlyMemory<float> embedding, ReadOnlyMemory<float> feature, float[]? scores, IReadOnlyList<float[]>? vectors, int windows, CancellationToken cancellationToken)
    {
        var line = _results.Format(id, length, truncated, scores, windows);

        // The Parquet row first: it validates the vectors, so a refused row leaves no line behind in the table either.
        await _embeddings.WriteAsync(id, embedding, feature, vectors, cancellationToken);
        await _results.WriteLineAsync(line, cancellationToken);
        Rows++;
    }

    /// <summary>
    /// Makes everything written so far durable (flushed to disk, the Parquet file complete) and returns where each file
    /// stands, for <see cref="Resume"/>.
    /// </summary>
    public async Task<ScreenFilesCheckpoint> CheckpointAsync(CancellationToken cancellationToken)
    {
        var embeddings = await _embeddings.CheckpointAsync(cancellationToken);
        return new ScreenFilesCheckpoint(Rows, Failures, await _results.CheckpointAsync(cancellationToken), await _failures.CheckpointAsync(cancellationToken), embeddings);
    }

    public async ValueTask DisposeAsync()
    {
        await _results.DisposeAsync();
        await _failures.DisposeAsync();
        await _embeddings.DisposeAsync();
    }
}
