using ProtSt.Model.Inference;

namespace ProtSt.Pipeline;

/// <summary>
/// Text-to-protein search over a screen's projected features: the <c>k</c> best proteins by ProtST's score for one
/// query, best first. <c>protst search</c> and the silo's search endpoint both rank through it, so they agree.
/// </summary>
public static class FeatureSearch
{
    /// <summary>The <paramref name="k"/> best of <paramref name="proteins"/> (rows with features) by <paramref name="query"/>'s score, and how many were ranked.</summary>
    public static async Task<(IReadOnlyList<(string Id, float Score)> Ranked, long Proteins)> TopAsync(
        IAsyncEnumerable<EmbeddingRow> proteins, ZeroShotScorer query, int k, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);

        // A bounded min-heap keeps the k best of any number of proteins, read one row group at a time.
        var best = new PriorityQueue<(string Id, float Score), float>();
        var score = new float[1];
        long count = 0;
        await foreach (var protein in proteins.WithCancellation(cancellationToken))
        {
            query.Score(protein.Feature ?? throw new InvalidDataException($"protein '{protein.Id}' has no projected feature."), score);
            best.Enqueue((protein.Id, score[0]), score[0]);
            if (best.Count > k)
            {
                best.Dequeue();
            }

            count++;
        }

        var ranked = new List<(string Id, float Score)>(best.Count);
        while (best.TryDequeue(out var item, out _))
        {
            ranked.Add(item);
        }

        ranked.Reverse();
        return (ranked, count);
    }
}
