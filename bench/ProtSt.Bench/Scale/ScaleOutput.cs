using ProtSt.Grains.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Bench.Scale;

/// <summary>Checks a job's written files: every id exactly once across embeddings.parquet and failures.tsv, each vector the simulated device's for its sequence.</summary>
internal static class ScaleOutput
{
    public static async Task VerifyAsync(string output, IReadOnlyList<SequenceRecord> records, EsmTokenizer tokenizer, int width, CancellationToken cancellationToken)
    {
        var failures = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var failure in ScreenResultReader.ReadFailuresAsync(output, cancellationToken))
        {
            failures.Add(failure.Id);
        }

        var byId = records.ToDictionary(r => r.Id, r => r.Sequence, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (id, vector, _) in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(output), withFeature: false, cancellationToken))
        {
            if (!seen.Add(id) || failures.Contains(id))
            {
                throw new InvalidOperationException($"{id} was written twice.");
            }

            var expected = SimulatedEmbedding.Of(tokenizer.Encode(byId[id]).Ids, width);
            if (!expected.AsSpan().SequenceEqual(vector))
            {
                throw new InvalidOperationException($"{id}: the written embedding is not the simulated device's for its sequence.");
            }
        }

        seen.UnionWith(failures);
        if (seen.Count != records.Count || !records.All(r => seen.Contains(r.Id)))
        {
            throw new InvalidOperationException($"{records.Count - records.Count(r => seen.Contains(r.Id))} records are missing from the output.");
        }
    }
}
