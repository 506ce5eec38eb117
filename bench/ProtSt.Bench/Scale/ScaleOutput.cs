using ProtSt.Grains.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Bench.Scale;

/// <summary>Checks a job's written files: every id exactly once across embeddings.parquet and failures.tsv, each vector the simulated device's for its sequence.</summary>
internal static class ScaleOutput
{
    public static async Task VerifyAsync(string output, IReadOnlyList<SequenceRecord> records, EsmTokenizer tokenizer, int width, CancellationToken cancellationToken)
    {
        var written = await EmbeddingParquetReader.ReadAllAsync(Path.Combine(output, ScreenResultWriter.EmbeddingsFile), cancellationToken);
        var failures = File.ReadLines(Path.Combine(output, ScreenResultWriter.FailuresFile)).Skip(1).Select(l => l.Split('\t')[0]).ToHashSet(StringComparer.Ordinal);
        var byId = records.ToDictionary(r => r.Id, r => r.Sequence, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, vector) in written)
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
