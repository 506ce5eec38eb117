namespace ProtSt.Grains;

/// <summary>
/// How far a job's output is durable, as its client last checkpointed it: input records committed, rows and failures
/// written, and where (host and output folder) — what <c>protst screen --resume</c> continues from.
/// </summary>
[GenerateSerializer]
public sealed record JobProgress(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Input,
    [property: Id(2)] string Host,
    [property: Id(3)] string OutputFolder,
    [property: Id(4)] long Records,
    [property: Id(5)] long Rows,
    [property: Id(6)] long Failures,
    [property: Id(7)] bool Complete,
    [property: Id(8)] DateTimeOffset UpdatedAt);
