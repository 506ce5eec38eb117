namespace ProtSt.Pipeline;

/// <summary>One record's row as a screen wrote it: its line of <c>results.tsv</c> and its row of <c>embeddings.parquet</c>.</summary>
public sealed record ScreenRow(ResultRow Result, EmbeddingRow Embedding);
