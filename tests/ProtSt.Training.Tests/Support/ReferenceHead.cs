namespace ProtSt.Training.Tests.Support;

/// <summary>ProtSTHead written out in plain C# with double arithmetic, as an independent check of what the trainer computed.</summary>
public static class ReferenceHead
{
    /// <summary>Softmax probabilities for one feature row: out_proj(relu(dense(x))).</summary>
    public static double[] Probabilities(ClassifierHead head, ReadOnlySpan<float> x)
    {
        var logits = Logits(Tensors(head), head.HiddenSize, head.NumLabels, x, out _);
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var total = exp.Sum();
        return [.. exp.Select(e => e / total)];
    }

    /// <summary>Mean softmax cross-entropy over <paramref name="labels"/>.Length rows, with the parameters in torch's order.</summary>
    public static double MeanLoss(IReadOnlyList<double[]> tensors, int hidden, int classes, float[] features, int[] labels)
    {
        double sum = 0;
        for (var r = 0; r < labels.Length; r++)
        {
            var logits = Logits(tensors, hidden, classes, features.AsSpan(r * hidden, hidden), out _);
            var max = logits.Max();
            sum += max + Math.Log(logits.Sum(l => Math.Exp(l - max))) - logits[labels[r]];
        }

        return sum / labels.Length;
    }

    /// <summary>The dense layer's pre-activations x·W1ᵀ + b1 of one row, to see how close it sits to ReLU's kink.</summary>
    public static double[] PreActivations(IReadOnlyList<double[]> tensors, int hidden, int classes, ReadOnlySpan<float> x)
    {
        Logits(tensors, hidden, classes, x, out var preActivations);
        return preActivations;
    }

    public static double[][] Tensors(ClassifierHead head) =>
        [.. new[] { head.DenseWeight, head.DenseBias, head.OutProjWeight, head.OutProjBias }.Select(t => t.Select(v => (double)v).ToArray())];

    private static double[] Logits(IReadOnlyList<double[]> tensors, int h, int c, ReadOnlySpan<float> x, out double[] preActivations)
    {
        var (denseWeight, denseBias, outWeight, outBias) = (tensors[0], tensors[1], tensors[2], tensors[3]);
        preActivations = new double[h];
        for (var o = 0; o < h; o++)
        {
            var sum = denseBias[o];
            for (var i = 0; i < h; i++)
            {
                sum += denseWeight[(o * h) + i] * x[i];
            }

            preActivations[o] = sum;
        }

        var logits = new double[c];
        for (var o = 0; o < c; o++)
        {
            var sum = outBias[o];
            for (var i = 0; i < h; i++)
            {
                sum += outWeight[(o * h) + i] * Math.Max(0, preActivations[i]);
            }

            logits[o] = sum;
        }

        return logits;
    }
}
