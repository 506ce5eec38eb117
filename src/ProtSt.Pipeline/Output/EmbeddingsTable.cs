using System.Runtime.CompilerServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Owns a screen's <c>embeddings.parquet</c>: <c>id</c> string, <c>embedding</c> list of float (the mean embedding), and
/// for ProtST models <c>feature</c> list of float (the projected feature); the rows of <see cref="ResultsTable"/>, in its order.
/// </summary>
public static class EmbeddingsTable
{
    public const string FileName = "embeddings.parquet";
    public const string IdColumn = EmbeddingParquetWriter.IdColumn;
    public const string EmbeddingColumn = EmbeddingParquetWriter.EmbeddingColumn;
    public const string FeatureColumn = EmbeddingParquetWriter.FeatureColumn;

    /// <summary>The file in <paramref name="directory"/> (an output folder or one part of it).</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Each row's id and its vectors of <paramref name="columns"/> (such as <c>mean_6</c>), in that order, streamed one row group at a time.</summary>
    public static IAsyncEnumerable<(string Id, float[][] Vectors)> ReadVectorsAsync(string path, IReadOnlyList<string> columns, CancellationToken cancellationToken) =>
        EmbeddingParquetReader.ReadColumnsAsync(path, columns, cancellationToken);

    /// <summary>
    /// The rows of the file at <paramref name="path"/>, streamed one row group at a time; with <paramref name="withFeature"/>
    /// each row's feature too (a file without the column is refused).
    /// </summary>
    public static async IAsyncEnumerable<EmbeddingRow> ReadAsync(string path, bool withFeature, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string[] columns = withFeature ? [EmbeddingColumn, FeatureColumn] : [EmbeddingColumn];
        await foreach (var (id, vectors) in EmbeddingParquetReader.ReadColumnsAsync(path, columns, cancellationToken))
        {
            yield return new EmbeddingRow(id, vectors[0], withFeature ? vectors[1] : null);
        }
    }
}
