using System.Globalization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs.Parts;

/// <summary>Reads rows back from a finished part, for records of later shards that repeat one of its sequences.</summary>
public static class PartRows
{
    /// <summary>The rows of <paramref name="ids"/> in the part at <paramref name="partDirectory"/>: embeddings, features, scores, or the device error.</summary>
    public static async Task<Dictionary<string, ShardRow>> ReadAsync(string partDirectory, IReadOnlySet<string> ids, bool withFeature, bool withScores, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, ShardRow>(StringComparer.Ordinal);
        var embeddingsPath = Path.Combine(partDirectory, ScreenResultWriter.EmbeddingsFile);
        var embeddings = await EmbeddingParquetReader.ReadAllAsync(embeddingsPath, cancellationToken);
        var features = withFeature ? await EmbeddingParquetReader.ReadAllAsync(embeddingsPath, cancellationToken, EmbeddingParquetWriter.FeatureColumn) : null;
        var index = 0;
        foreach (var line in File.ReadLines(Path.Combine(partDirectory, ScreenResultWriter.ResultsFile)).Skip(1))
        {
            var row = index++;
            var fields = line.Split('\t');
            if (!ids.Contains(fields[0]))
            {
                continue;
            }

            // The results and the embeddings hold the same rows in the same order.
            var scores = withScores ? fields.Skip(4).Select(f => float.Parse(f, CultureInfo.InvariantCulture)).ToArray() : null;
            rows[fields[0]] = new ShardRow(
                fields[0], int.Parse(fields[1], CultureInfo.InvariantCulture), fields[2] == "true", embeddings[row].Vector, null, features?[row].Vector, scores);
        }

        foreach (var line in File.ReadLines(Path.Combine(partDirectory, ScreenResultWriter.FailuresFile)).Skip(1))
        {
            var fields = line.Split('\t', 3);
            if (ids.Contains(fields[0]))
            {
                rows[fields[0]] = new ShardRow(fields[0], int.Parse(fields[1], CultureInfo.InvariantCulture), false, null, null, DeviceError: fields[2]);
            }
        }

        return rows;
    }
}
