using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;

namespace ProtSt.Bench;

/// <summary>
/// ProtST's published zero-shot method: one sequence at a time in input order (batch size 1, so no padding), encoder
/// then projection, scored against label features computed once; the baseline every cluster figure is compared with.
/// </summary>
internal static class PublishedZeroShot
{
    /// <summary>Predicts the label of every sequence into <paramref name="predictions"/>.</summary>
    public static void Run(ModelSessions sessions, IReadOnlyList<EncodedSequence> encoded, int padId, ZeroShotScorer scorer, int[] predictions)
    {
        for (var i = 0; i < encoded.Count; i++)
        {
            var feature = sessions.Run(EncodedBatch.Create([encoded[i]], padId)).Head;
            predictions[i] = ZeroShotScorer.ArgMax(scorer.Score(feature!));
        }
    }
}
