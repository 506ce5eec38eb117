namespace ProtSt.Training.Tests.Support;

/// <summary>Two Gaussian classes in h dimensions, centred at ±(separation / 2) along one random unit direction, unit noise elsewhere.</summary>
public static class GaussianClusters
{
    public const int Dimension = 32;

    /// <summary>Train, validation and test splits drawn from the same two clusters; 500 training rows so that batches of 64 leave a short last one.</summary>
    public static (LabelledFeatures Train, LabelledFeatures Valid, LabelledFeatures Test) Splits(int seed, double separation = 6)
    {
        var random = new Random(seed);
        var direction = new double[Dimension];
        for (var d = 0; d < Dimension; d++)
        {
            direction[d] = Normal(random);
        }

        var norm = Math.Sqrt(direction.Sum(v => v * v));
        for (var d = 0; d < Dimension; d++)
        {
            direction[d] /= norm;
        }

        return (Draw(500, direction, separation, random), Draw(128, direction, separation, random), Draw(256, direction, separation, random));
    }

    private static LabelledFeatures Draw(int count, double[] direction, double separation, Random random)
    {
        var features = new float[count * Dimension];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = random.Next(2);
            var shift = (labels[i] == 1 ? 0.5 : -0.5) * separation;
            for (var d = 0; d < Dimension; d++)
            {
                features[(i * Dimension) + d] = (float)((shift * direction[d]) + Normal(random));
            }
        }

        return new LabelledFeatures(features, labels, Dimension, classes: 2);
    }

    private static double Normal(Random random)
    {
        // Box–Muller; 1 − u keeps the logarithm finite.
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
