namespace ProtSt.Pipeline;

/// <summary>One row of <c>embeddings.parquet</c>: a record's id, its mean embedding and, for ProtST models, its projected feature.</summary>
public sealed record EmbeddingRow(string Id, float[] Embedding, float[]? Feature = null);
