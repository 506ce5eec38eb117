namespace ProtSt.Pipeline;

/// <summary>Limits for <see cref="TokenBudgetBatchPlanner"/>.</summary>
public sealed record BatchPlannerOptions
{
    /// <summary>
    /// The default budget, chosen for CPUs: there, batching gains nothing over batch size 1 and bigger batches only add
    /// padding and cache misses (docs/benchmarks.md). GPUs want far larger batches: set 16,384 or more there.
    /// </summary>
    public const int DefaultMaxTokensPerBatch = 4096;

    /// <summary>Padded tokens per batch: batch size × the longest sequence in it.</summary>
    public int MaxTokensPerBatch { get; init; } = DefaultMaxTokensPerBatch;

    public int MaxBatchSize { get; init; } = 256;
}
