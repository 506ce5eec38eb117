namespace ProtSt.Pipeline;

/// <summary>
/// Groups sequences into batches whose padded size (count × longest) stays under a token budget. Sorting by length
/// first keeps similar lengths together, so little of each batch is padding; a sequence longer than the budget
/// gets a batch of its own. A batch also closes before a sequence that would make more than
/// <see cref="BatchPlannerOptions.MaxPaddingFraction"/> of it padding, which only bites when lengths are spread out.
/// </summary>
public sealed class TokenBudgetBatchPlanner
{
    private readonly BatchPlannerOptions _options;

    public TokenBudgetBatchPlanner(BatchPlannerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTokensPerBatch, 1, nameof(options.MaxTokensPerBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1, nameof(options.MaxBatchSize));
        if (!(options.MaxPaddingFraction is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPaddingFraction, "MaxPaddingFraction must be between 0 and 1.");
        }

        _options = options;
    }

    /// <summary>Plans batches over <paramref name="lengths"/> (token counts); every index appears in exactly one batch.</summary>
    public IReadOnlyList<PlannedBatch> Plan(IReadOnlyList<int> lengths)
    {
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        var batches = new List<PlannedBatch>();
        var current = new List<int>();
        var longest = 0;
        long real = 0;
        foreach (var index in order)
        {
            var length = lengths[index];
            ArgumentOutOfRangeException.ThrowIfLessThan(length, 1, nameof(lengths));
            var padded = Math.Max(longest, length);
            if (current.Count > 0 && ((long)(current.Count + 1) * padded > _options.MaxTokensPerBatch || current.Count == _options.MaxBatchSize || TooMuchPadding(current.Count + 1, padded, real + length)))
            {
                batches.Add(new PlannedBatch(current, longest, real));
                (current, longest, real, padded) = ([], 0, 0, length);
            }

            current.Add(index);
            longest = padded;
            real += length;
        }

        if (current.Count > 0)
        {
            batches.Add(new PlannedBatch(current, longest, real));
        }

        return batches;
    }

    private bool TooMuchPadding(int count, int padded, long real)
    {
        var tokens = (long)count * padded;
        return tokens - real > _options.MaxPaddingFraction * tokens;
    }
}
