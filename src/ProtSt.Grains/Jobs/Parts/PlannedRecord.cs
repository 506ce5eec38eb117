namespace ProtSt.Grains.Jobs.Parts;

/// <summary>
/// One record of a shard as the planner wrote it: its ordinal among the job's records, id, line and label, and either
/// its sequence (a first occurrence) or the ordinal of the earlier record with the same sequence, whose row it takes.
/// </summary>
public sealed record PlannedRecord(long Ordinal, string Id, long Line, string? Label, string? Sequence, long Original);
