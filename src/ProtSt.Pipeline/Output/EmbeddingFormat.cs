namespace ProtSt.Pipeline;

/// <summary>File formats for per-sequence embeddings.</summary>
public enum EmbeddingFormat
{
    Tsv,
    Parquet,
}
