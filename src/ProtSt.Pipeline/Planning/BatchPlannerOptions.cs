namespace ProtSt.Pipeline;

/// <summary>Limits for <see cref="TokenBudgetBatchPlanner"/>.</summary>
public sealed record BatchPlannerOptions
{
    /// <summary>Padded tokens per batch: batch size × the longest sequence in it.</summary>
    public int MaxTokensPerBatch { get; init; } = 16384;

    public int MaxBatchSize { get; init; } = 256;
}
