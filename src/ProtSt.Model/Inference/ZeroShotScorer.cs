namespace ProtSt.Model.Inference;

/// <summary>
/// ProtST's zero-shot score: exp(logit_scale) × the cosine of a query feature with each of a fixed set of features
/// (label prompts for zero-shot labels, or screened proteins for text search). Prediction is the argmax, class
/// probabilities the softmax of the scores.
/// </summary>
public sealed class ZeroShotScorer
{
    // F.normalize's floor on the norm, so an all-zero feature scores 0 rather than NaN.
    private const double NormFloor = 1e-12;

    private readonly double[] _unit;

    /// <summary>Normalizes <paramref name="count"/> features of <paramref name="width"/> values each, laid out row-major.</summary>
    public ZeroShotScorer(ReadOnlySpan<float> features, int count, int width, double logitScale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (features.Length != count * width)
        {
            throw new ArgumentException($"{count} features of width {width} need {count * width} values, got {features.Length}.", nameof(features));
        }

        Count = count;
        Width = width;
        Scale = Math.Exp(logitScale);
        _unit = new double[features.Length];
        for (var row = 0; row < count; row++)
        {
            Normalize(features.Slice(row * width, width), _unit.AsSpan(row * width, width));
        }
    }

    public int Count { get; }

    public int Width { get; }

    /// <summary>exp(logit_scale), the factor applied to every cosine.</summary>
    public double Scale { get; }

    /// <summary>The score of <paramref name="query"/> against each feature, in their order.</summary>
    public void Score(ReadOnlySpan<float> query, Span<float> scores)
    {
        if (query.Length != Width)
        {
            throw new ArgumentException($"A query feature must have {Width} values, got {query.Length}.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(scores.Length, Count, nameof(scores));
        Span<double> unit = Width <= 4096 ? stackalloc double[Width] : new double[Width];
        Normalize(query, unit);
        for (var row = 0; row < Count; row++)
        {
            var target = _unit.AsSpan(row * Width, Width);
            double dot = 0;
            for (var i = 0; i < Width; i++)
            {
                dot += unit[i] * target[i];
            }

            scores[row] = (float)(Scale * dot);
        }
    }

    public float[] Score(ReadOnlySpan<float> query)
    {
        var scores = new float[Count];
        Score(query, scores);
        return scores;
    }

    /// <summary>The index of the largest value; the first one on ties, as torch.argmax.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Softmax of the scores, computed stably.</summary>
    public static float[] Softmax(ReadOnlySpan<float> scores)
    {
        var max = double.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        var exps = new double[scores.Length];
        double sum = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            exps[i] = Math.Exp(scores[i] - max);
            sum += exps[i];
        }

        return exps.Select(e => (float)(e / sum)).ToArray();
    }

    private static void Normalize(ReadOnlySpan<float> source, Span<double> destination)
    {
        double norm = 0;
        foreach (var v in source)
        {
            norm += (double)v * v;
        }

        norm = Math.Max(Math.Sqrt(norm), NormFloor);
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = source[i] / norm;
        }
    }
}
