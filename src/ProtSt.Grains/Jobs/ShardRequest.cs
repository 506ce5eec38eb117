namespace ProtSt.Grains.Jobs;

/// <summary>
/// The distinct records a shard computes and how, inside its silo: what <see cref="ShardGrain"/> builds from a
/// <see cref="PartRequest"/> and its records file; never a grain call's argument, so never serialized.
/// </summary>
internal sealed record ShardRequest(
    string JobId,
    int ShardIndex,
    string ModelDirectory,
    IReadOnlyList<ShardRecord> Records,
    int MaxTokensPerBatch,
    int MaxBatchSize,
    LabelScoring? Scoring = null,
    int Priority = JobSharing.DefaultPriority,
    int MaxDevices = 0);
