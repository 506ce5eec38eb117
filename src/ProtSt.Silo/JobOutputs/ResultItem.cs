namespace ProtSt.Silo.JobOutputs;

/// <summary>One row of a job's results.tsv: its record number in the job (0-based, file order), id, length, truncation, predicted label and per-class scores.</summary>
public sealed record ResultItem(int Record, string Id, int Length, bool Truncated, string? Label, float[]? Scores);
