using System.Globalization;

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

    /// <summary>
    /// The default padding cap, chosen for CPUs, where a padded token costs what a real one does and a batch buys
    /// nothing over smaller ones (docs/benchmarks.md, "Online embeddings"); GPUs, which gain from bigger batches, may
    /// set it higher, and 1 turns it off.
    /// </summary>
    public const double DefaultMaxPaddingFraction = 0.2;

    /// <summary>
    /// The share of a batch's padded tokens that may be padding: a batch closes before a sequence that would push it
    /// over. Sorted shards rarely reach it; requests gathered online, with lengths at random, do.
    /// </summary>
    public double MaxPaddingFraction { get; init; } = DefaultMaxPaddingFraction;

    /// <summary>
    /// Throws, in one line naming the configuration key <paramref name="key"/> (e.g. <c>Screen:MaxPaddingFraction</c>),
    /// when <paramref name="value"/> is not a padding cap: every section that sets one checks it here.
    /// </summary>
    public static void ValidateMaxPaddingFraction(double value, string key)
    {
        if (!(value is >= 0 and <= 1))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{key} must be between 0 and 1 (got {value}): it is the share of a batch that may be padding (1: no cap)."));
        }
    }
}
