namespace ProtSt.Pipeline;

/// <summary>How <see cref="EmbeddingPipeline"/> batches and handles bad records; bound from the <c>Embedding</c> configuration section.</summary>
public sealed record EmbeddingPipelineOptions
{
    public const string SectionName = "Embedding";

    /// <summary>Padded tokens per batch (batch size × longest sequence); bounds activation memory.</summary>
    public int MaxTokensPerBatch { get; init; } = BatchPlannerOptions.DefaultMaxTokensPerBatch;

    public int MaxBatchSize { get; init; } = 256;

    /// <summary>The share of a batch that may be padding (<see cref="BatchPlannerOptions.MaxPaddingFraction"/>).</summary>
    public double MaxPaddingFraction { get; init; } = BatchPlannerOptions.DefaultMaxPaddingFraction;

    /// <summary>Records read ahead and planned together: larger chunks pad less, smaller ones hold less memory.</summary>
    public int ChunkSize { get; init; } = 4096;

    public InvalidRecordPolicy OnInvalid { get; init; } = InvalidRecordPolicy.Fail;

    /// <summary>Throws, in one line naming the option, when a setting makes no sense (before any record is read).</summary>
    public void Validate() => BatchPlannerOptions.ValidateMaxPaddingFraction(MaxPaddingFraction, $"{SectionName}:{nameof(MaxPaddingFraction)}");
}
