using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs.Parts;

/// <summary>Reads rows back from a finished part, for records of later shards that repeat one of its sequences.</summary>
public static class PartRows
{
    /// <summary>The rows of <paramref name="ids"/> in the part at <paramref name="partDirectory"/>: embeddings, features, scores, or the device error.</summary>
    public static async Task<Dictionary<string, ShardRow>> ReadAsync(string partDirectory, IReadOnlySet<string> ids, bool withFeature, bool withScores, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, ShardRow>(StringComparer.Ordinal);
        await foreach (var (result, embedding) in ScreenResultReader.ReadRowsAsync(partDirectory, withFeature, cancellationToken))
        {
            if (ids.Contains(result.Id))
            {
                rows[result.Id] = new ShardRow(
                    result.Id, result.Length, result.Truncated, embedding.Embedding, null, embedding.Feature, withScores ? result.Scores ?? [] : null, Windows: result.Windows);
            }
        }

        await foreach (var failure in ScreenResultReader.ReadFailuresAsync(partDirectory, cancellationToken))
        {
            if (ids.Contains(failure.Id))
            {
                rows[failure.Id] = new ShardRow(failure.Id, failure.Length, false, null, null, DeviceError: failure.Error);
            }
        }

        return rows;
    }
}
