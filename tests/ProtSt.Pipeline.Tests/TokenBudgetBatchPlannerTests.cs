namespace ProtSt.Pipeline.Tests;

public sealed class TokenBudgetBatchPlannerTests
{
    [Fact]
    public void Every_index_lands_in_exactly_one_batch_within_budget()
    {
        var random = new Random(3);
        var lengths = Enumerable.Range(0, 1000).Select(_ => random.Next(3, 1025)).ToList();
        var batches = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 8192, MaxBatchSize = 64 }).Plan(lengths);

        Assert.Equal(Enumerable.Range(0, 1000), batches.SelectMany(b => b.Indices).Order());
        foreach (var batch in batches)
        {
            Assert.True(batch.PaddedTokens <= 8192, $"batch of {batch.Indices.Count} x {batch.PaddedLength}");
            Assert.True(batch.Indices.Count <= 64);
            Assert.Equal(batch.Indices.Max(i => lengths[i]), batch.PaddedLength);
            Assert.Equal(batch.Indices.Sum(i => (long)lengths[i]), batch.RealTokens);
        }

        // Sorting by length is what keeps padding low: on random lengths this plan wastes under 5%.
        Assert.True(batches.Sum(b => b.RealTokens) / (double)batches.Sum(b => b.PaddedTokens) > 0.95);
    }

    [Fact]
    public void Batches_hold_similar_lengths_longest_first_and_are_filled_greedily()
    {
        var random = new Random(5);
        var lengths = Enumerable.Range(0, 300).Select(_ => random.Next(1, 60)).ToList();
        var batches = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 500, MaxBatchSize = 16, MaxPaddingFraction = 1 }).Plan(lengths);

        // Concatenated, the batches are the indices sorted by length descending, ties by index.
        var expected = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i);
        Assert.Equal(expected, batches.SelectMany(b => b.Indices));
        Assert.All(batches, b => Assert.Equal(lengths[b.Indices[0]], b.PaddedLength));

        // Greedy: a batch closed only because the next sequence would have broken the budget or the size cap.
        foreach (var (batch, next) in batches.Zip(batches.Skip(1)))
        {
            Assert.True(batch.Indices.Count == 16 || (batch.Indices.Count + 1) * batch.PaddedLength > 500, $"batch of {batch.Indices.Count} x {batch.PaddedLength} closed early");
        }
    }

    [Fact]
    public void Spread_out_lengths_close_a_batch_before_it_is_mostly_padding()
    {
        // What online requests gather: a handful of lengths at random, which one budget-filled batch pads to the longest.
        var random = new Random(7);
        var lengths = Enumerable.Range(0, 16).Select(_ => random.Next(100, 301)).ToList();
        var capped = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 4096, MaxPaddingFraction = 0.2 }).Plan(lengths);
        var greedy = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 4096, MaxPaddingFraction = 1 }).Plan(lengths);

        Assert.Equal(Enumerable.Range(0, 16), capped.SelectMany(b => b.Indices).Order());
        Assert.All(capped, b => Assert.True(b.PaddedTokens - b.RealTokens <= 0.2 * b.PaddedTokens, $"batch of {b.Indices.Count} x {b.PaddedLength} holds {b.RealTokens} real tokens"));
        Assert.True(greedy.Sum(b => b.PaddedTokens) - greedy.Sum(b => b.RealTokens) > 0.2 * greedy.Sum(b => b.PaddedTokens), "the greedy plan pads over 20%: the case the cap is for");

        // Closed early only for the cap: the next sequence would have broken it.
        foreach (var (batch, next) in capped.Zip(capped.Skip(1)))
        {
            var count = batch.Indices.Count + 1;
            var real = batch.RealTokens + lengths[next.Indices[0]];
            Assert.True((long)count * batch.PaddedLength > 4096 || (long)count * batch.PaddedLength - real > 0.2 * count * batch.PaddedLength);
        }

        // Equal lengths never pad, so the cap cannot split them, even at 0.
        Assert.Single(new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 4096, MaxPaddingFraction = 0 }).Plan(Enumerable.Repeat(100, 16).ToList()));
    }

    [Fact]
    public void A_sequence_longer_than_the_budget_gets_its_own_batch()
    {
        var batches = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 100 }).Plan([30, 500, 30, 30]);
        Assert.Contains(batches, b => b.Indices.SequenceEqual([1]));
        Assert.Equal(2, batches.Count);
        Assert.Equal([0, 2, 3], batches.Single(b => b.PaddedLength == 30).Indices);
    }

    [Fact]
    public void Batch_size_is_capped()
    {
        var batches = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 1_000_000, MaxBatchSize = 3 }).Plan(Enumerable.Repeat(5, 10).ToList());
        Assert.Equal([3, 3, 3, 1], batches.Select(b => b.Indices.Count));
    }

    [Fact]
    public void Invalid_options_and_lengths_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxBatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxPaddingFraction = -0.1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxPaddingFraction = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBudgetBatchPlanner(new BatchPlannerOptions()).Plan([5, 0]));
        Assert.Empty(new TokenBudgetBatchPlanner(new BatchPlannerOptions()).Plan([]));
    }
}
