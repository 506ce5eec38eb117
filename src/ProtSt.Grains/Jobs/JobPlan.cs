namespace ProtSt.Grains.Jobs;

/// <summary>
/// What the one pass over a job's input found: its shards, the records kept, those skipped as invalid (the first
/// <see cref="JobPlanner.SkippedSamples"/> of them with file:line), and the records that repeat an earlier sequence.
/// </summary>
public sealed record JobPlan(IReadOnlyList<PlannedShard> Shards, long Records, long Skipped, IReadOnlyList<string> SkippedSamples, long Repeats);
