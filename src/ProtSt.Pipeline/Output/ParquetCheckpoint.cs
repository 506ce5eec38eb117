namespace ProtSt.Pipeline;

/// <summary>
/// A Parquet file as it stood at a checkpoint: its first <see cref="DataLength"/> bytes (header and row groups, never
/// rewritten by later appends) and the footer that described them, so a file torn by a crash can be put back.
/// </summary>
public sealed record ParquetCheckpoint(long DataLength, byte[] Footer);
