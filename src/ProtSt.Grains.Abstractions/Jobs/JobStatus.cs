namespace ProtSt.Grains;

/// <summary>
/// A submitted job as its coordinator knows it: phase, shards done of planned, records and rows, device failures,
/// records skipped as invalid (the first of them with file:line), the task's score columns and class names, the error
/// of a failed job, and the distinct sequences computed for the parts this run finished (each part counted once, however
/// often its shard ran).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobStatus(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobSpec Spec,
    [property: Id(2)] JobPhase Phase,
    [property: Id(3)] int Shards,
    [property: Id(4)] int ShardsDone,
    [property: Id(5)] long Records,
    [property: Id(6)] long Rows,
    [property: Id(7)] long Failures,
    [property: Id(8)] long Skipped,
    [property: Id(9)] IReadOnlyList<string> SkippedSamples,
    [property: Id(10)] string? Error,
    [property: Id(11)] DateTimeOffset SubmittedAt,
    [property: Id(12)] DateTimeOffset? FinishedAt,
    [property: Id(13)] string? TaskName,
    [property: Id(14)] IReadOnlyList<string>? ClassNames,
    [property: Id(15)] long ReusedRecords,
    [property: Id(16)] long Computed)
{
    /// <summary>Completed, failed or cancelled: nothing more will happen to it.</summary>
    public bool Final => Phase is JobPhase.Completed or JobPhase.Failed or JobPhase.Cancelled;
}
