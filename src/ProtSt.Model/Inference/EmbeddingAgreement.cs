namespace ProtSt.Model.Inference;

/// <summary>How closely two runs' embeddings agree row by row (cosine similarity), e.g. a reduced-precision model against float32.</summary>
public static class EmbeddingAgreement
{
    /// <summary>The cosine similarity of each pair of rows of two [rows, <paramref name="width"/>] matrices.</summary>
    public static double[] Cosines(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, int width)
    {
        if (actual.Length != expected.Length || width <= 0 || actual.Length % width != 0)
        {
            throw new ArgumentException($"Cannot compare {actual.Length} values with {expected.Length} in rows of {width}.", nameof(actual));
        }

        var cosines = new double[actual.Length / width];
        for (var r = 0; r < cosines.Length; r++)
        {
            double dot = 0, a2 = 0, b2 = 0;
            for (var i = r * width; i < (r + 1) * width; i++)
            {
                dot += (double)actual[i] * expected[i];
                a2 += (double)actual[i] * actual[i];
                b2 += (double)expected[i] * expected[i];
            }

            cosines[r] = dot / Math.Sqrt(a2 * b2);
        }

        return cosines;
    }

    /// <summary>The median of a set of values.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
