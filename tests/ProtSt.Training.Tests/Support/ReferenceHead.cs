namespace ProtSt.Training.Tests.Support;

/// <summary>ProtSTHead written out in plain C# with double accumulation, as an independent check of what torch computed.</summary>
public static class ReferenceHead
{
    /// <summary>Softmax probabilities for one feature row: out_proj(relu(dense(x))).</summary>
    public static double[] Probabilities(ClassifierHead head, ReadOnlySpan<float> x)
    {
        int h = head.HiddenSize, c = head.NumLabels;
        var hidden = new double[h];
        for (var o = 0; o < h; o++)
        {
            double sum = head.DenseBias[o];
            for (var i = 0; i < h; i++)
            {
                sum += (double)head.DenseWeight[(o * h) + i] * x[i];
            }

            hidden[o] = Math.Max(0, sum);
        }

        var logits = new double[c];
        for (var o = 0; o < c; o++)
        {
            double sum = head.OutProjBias[o];
            for (var i = 0; i < h; i++)
            {
                sum += head.OutProjWeight[(o * h) + i] * hidden[i];
            }

            logits[o] = sum;
        }

        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var total = exp.Sum();
        return [.. exp.Select(e => e / total)];
    }
}
