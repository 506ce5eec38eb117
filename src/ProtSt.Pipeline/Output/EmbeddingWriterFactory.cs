namespace ProtSt.Pipeline;

/// <summary>Creates the writer for an <see cref="EmbeddingFormat"/>.</summary>
public static class EmbeddingWriterFactory
{
    public static IEmbeddingWriter Create(EmbeddingFormat format, string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            OutputFolder.Create(directory);
        }

        return format switch
        {
            EmbeddingFormat.Tsv => new EmbeddingTsvWriter(path),
            EmbeddingFormat.Parquet => new EmbeddingParquetWriter(path),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }
}
