using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Tests.Support;

/// <summary>Mean embeddings of records from a bare encoder session (a clean run, no cluster), for comparing with a job's rows.</summary>
public static class ReferenceEmbeddings
{
    public static float[][] Compute(string modelDirectory, IReadOnlyList<SequenceRecord> records)
    {
        using var session = EncoderSession.Open(modelDirectory, new InferenceOptions { IntraOpThreads = 1 });
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = records.Select(r => tokenizer.Encode(r.Sequence)).ToList();
        var result = new float[records.Count][];
        foreach (var batch in new TokenBudgetBatchPlanner(new BatchPlannerOptions()).Plan(encoded.Select(e => e.Length).ToList()))
        {
            var output = session.Run(EncodedBatch.Create(batch.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId));
            for (var row = 0; row < batch.Indices.Count; row++)
            {
                result[batch.Indices[row]] = output.PooledOf(row).ToArray();
            }
        }

        return result;
    }

    /// <summary>Asserts that a row's embedding equals the clean run's up to float noise from a different batch composition.</summary>
    public static void AssertClose(float[] expected, float[]? actual, string id)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual.Length);
        var diff = 0.0;
        for (var j = 0; j < expected.Length; j++)
        {
            diff = Math.Max(diff, Math.Abs(expected[j] - actual[j]));
        }

        Assert.True(diff <= 1e-4, $"{id}: max |diff| {diff}");
    }
}
