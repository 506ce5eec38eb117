namespace ProtSt.Grains;

/// <summary>A slice of a job's input and how to process it; <see cref="Priority"/> and <see cref="MaxDevices"/> are the job's (<see cref="JobSharing"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record ShardRequest(
    [property: Id(0)] string JobId,
    [property: Id(1)] int ShardIndex,
    [property: Id(2)] string ModelDirectory,
    [property: Id(3)] IReadOnlyList<ShardRecord> Records,
    [property: Id(4)] int MaxTokensPerBatch,
    [property: Id(5)] int MaxBatchSize,
    [property: Id(6)] LabelScoring? Scoring = null,
    [property: Id(7)] int Priority = JobSharing.DefaultPriority,
    [property: Id(8)] int MaxDevices = 0);
