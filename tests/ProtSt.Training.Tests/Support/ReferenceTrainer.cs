namespace ProtSt.Training.Tests.Support;

/// <summary>
/// The published fine-tuning step written out in double arithmetic, independent of the trainer's kernels: mean
/// cross-entropy, torch's clip_grad_norm_, and torch.optim.AdamW with decay on the weight matrices only; batches in the
/// order <see cref="HeadTrainer"/> draws them (one seeded shuffle per epoch), so the two can be compared step by step.
/// </summary>
public static class ReferenceTrainer
{
    private static readonly bool[] Decayed = [true, false, true, false];

    /// <summary>Trains from <paramref name="start"/>; returns the tensors in torch order, the loss before each step and how many steps were clipped.</summary>
    public static (double[][] Tensors, List<double> Losses, int ClippedSteps) Train(ClassifierHead start, LabelledFeatures train, HeadTrainingOptions options)
    {
        int h = start.HiddenSize, c = start.NumLabels;
        var p = ReferenceHead.Tensors(start);
        var m = p.Select(t => new double[t.Length]).ToArray();
        var v = p.Select(t => new double[t.Length]).ToArray();
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, train.Count).ToArray();
        var losses = new List<double>();
        int step = 0, clipped = 0;
        for (var epoch = 0; epoch < options.MaxEpochs; epoch++)
        {
            random.Shuffle(order);
            for (var first = 0; first < order.Length; first += options.BatchSize)
            {
                var rows = order.Skip(first).Take(options.BatchSize).ToArray();
                var (loss, g) = LossAndGradients(p, h, c, train, rows);
                losses.Add(loss);
                if (options.MaxGradNorm > 0)
                {
                    var norm = Math.Sqrt(g.Sum(t => t.Sum(x => x * x)));
                    var coefficient = options.MaxGradNorm / (norm + 1e-6);
                    if (coefficient < 1)
                    {
                        clipped++;
                        foreach (var t in g)
                        {
                            for (var i = 0; i < t.Length; i++)
                            {
                                t[i] *= coefficient;
                            }
                        }
                    }
                }

                step++;
                var lr = options.LearningRate;
                for (var t = 0; t < p.Length; t++)
                {
                    for (var i = 0; i < p[t].Length; i++)
                    {
                        if (Decayed[t])
                        {
                            p[t][i] *= 1 - (lr * options.WeightDecay);
                        }

                        m[t][i] = (options.Beta1 * m[t][i]) + ((1 - options.Beta1) * g[t][i]);
                        v[t][i] = (options.Beta2 * v[t][i]) + ((1 - options.Beta2) * g[t][i] * g[t][i]);
                        var mHat = m[t][i] / (1 - Math.Pow(options.Beta1, step));
                        var vHat = v[t][i] / (1 - Math.Pow(options.Beta2, step));
                        p[t][i] -= lr * mHat / (Math.Sqrt(vHat) + options.Epsilon);
                    }
                }
            }
        }

        return (p, losses, clipped);
    }

    private static (double Loss, double[][] Gradients) LossAndGradients(double[][] p, int h, int c, LabelledFeatures data, int[] rows)
    {
        var (w1, b1, w2, b2) = (p[0], p[1], p[2], p[3]);
        var g = p.Select(t => new double[t.Length]).ToArray();
        double loss = 0;
        foreach (var row in rows)
        {
            var x = data.Row(row).ToArray();
            var z = new double[h];
            for (var o = 0; o < h; o++)
            {
                z[o] = b1[o];
                for (var i = 0; i < h; i++)
                {
                    z[o] += w1[(o * h) + i] * x[i];
                }
            }

            var a = z.Select(value => Math.Max(0, value)).ToArray();
            var logits = new double[c];
            for (var k = 0; k < c; k++)
            {
                logits[k] = b2[k];
                for (var i = 0; i < h; i++)
                {
                    logits[k] += w2[(k * h) + i] * a[i];
                }
            }

            var max = logits.Max();
            var logSum = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            var label = data.Labels[row];
            loss += logSum - logits[label];

            var dLogits = logits.Select((l, k) => (Math.Exp(l - logSum) - (k == label ? 1 : 0)) / rows.Length).ToArray();
            var dA = new double[h];
            for (var k = 0; k < c; k++)
            {
                g[3][k] += dLogits[k];
                for (var i = 0; i < h; i++)
                {
                    g[2][(k * h) + i] += dLogits[k] * a[i];
                    dA[i] += dLogits[k] * w2[(k * h) + i];
                }
            }

            for (var o = 0; o < h; o++)
            {
                var dz = z[o] > 0 ? dA[o] : 0;
                g[1][o] += dz;
                for (var i = 0; i < h; i++)
                {
                    g[0][(o * h) + i] += dz * x[i];
                }
            }
        }

        return (loss / rows.Length, g);
    }
}
