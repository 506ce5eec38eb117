using ProtSt.Model.Outputs;

namespace ProtSt.Grains;

/// <summary>
/// One shard of a submitted job: its planned records file, the part folder to write, and how to compute and write the
/// rows; <see cref="ClassNames"/> is set when the task predicts classes (score columns, and accuracy when <see cref="ScoreLabels"/>);
/// record <c>n</c> of the job is in shard <c>n / ShardSize</c>; <see cref="Priority"/>, <see cref="MaxDevices"/> (<see cref="JobSharing"/>)
/// and <see cref="Outputs"/> are the job's; <see cref="Extract"/> is the job's extraction resolved against its model.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PartRequest(
    [property: Id(0)] string JobId,
    [property: Id(1)] int ShardIndex,
    [property: Id(2)] string RecordsFile,
    [property: Id(3)] string PartsDirectory,
    [property: Id(4)] string ModelDirectory,
    [property: Id(5)] int MaxTokensPerBatch,
    [property: Id(6)] int MaxBatchSize,
    [property: Id(7)] LabelScoring? Scoring,
    [property: Id(8)] string? ScorePrefix,
    [property: Id(9)] IReadOnlyList<string>? ClassNames,
    [property: Id(10)] bool WithFeature,
    [property: Id(11)] bool ScoreLabels,
    [property: Id(12)] int ShardSize,
    [property: Id(13)] int Priority = JobSharing.DefaultPriority,
    [property: Id(14)] int MaxDevices = 0,
    [property: Id(15)] OutputRequest? Outputs = null,
    [property: Id(16)] Extraction? Extract = null);
