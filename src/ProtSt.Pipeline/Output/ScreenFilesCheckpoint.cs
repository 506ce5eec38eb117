namespace ProtSt.Pipeline;

/// <summary>A screen's three output files as they stood at a checkpoint: byte lengths, row counts and the Parquet footer.</summary>
public sealed record ScreenFilesCheckpoint(long Rows, long Failures, long ResultsBytes, long FailuresBytes, ParquetCheckpoint Embeddings);
