using ProtSt.Training.Tests.Support;

namespace ProtSt.Training.Tests;

public sealed class HeadBackpropTests
{
    private const int Hidden = 6;
    private const int Classes = 3;
    private const int Capacity = 8;

    // Central differences in double with step 1e-6 are accurate to ~1e-9 here; the analytic gradients are float32 sums
    // of a handful of terms, so 1e-5 absolute plus 1e-4 relative leaves room for rounding and none for a wrong term.
    private const double FiniteStep = 1e-6;
    private const double AbsoluteTolerance = 1e-5;
    private const double RelativeTolerance = 1e-4;

    [Theory]
    [InlineData(5)]
    [InlineData(Capacity)]
    [InlineData(1)]
    public void Analytic_gradients_match_central_finite_differences(int rows)
    {
        var random = new Random(11);
        var parameters = HeadParameters.Initial(Hidden, Classes, random);
        var backprop = new HeadBackprop(Hidden, Classes, Capacity);

        // A full batch first leaves stale values in every buffer; a shorter one after it must not read them.
        var (warmFeatures, warmLabels) = Batch(random, Capacity);
        backprop.LossAndGradients(parameters, warmFeatures, warmLabels, new HeadParameters(Hidden, Classes));
        var (features, labels) = Batch(random, rows);
        var gradients = new HeadParameters(Hidden, Classes);

        var loss = backprop.LossAndGradients(parameters, features, labels, gradients);

        var reference = parameters.Tensors.Select(t => t.Select(v => (double)v).ToArray()).ToArray();
        var preActivations = Enumerable.Range(0, rows)
            .SelectMany(r => ReferenceHead.PreActivations(reference, Hidden, Classes, features.AsSpan(r * Hidden, Hidden)))
            .ToArray();
        Assert.True(preActivations.Min(Math.Abs) > 1e-3, "a unit sits on ReLU's kink, where finite differences are meaningless");
        Assert.Contains(preActivations, z => z < 0);
        Assert.Contains(preActivations, z => z > 0);
        Assert.Equal(ReferenceHead.MeanLoss(reference, Hidden, Classes, features, labels), loss.MeanLoss, tolerance: 1e-6);

        var names = new[] { "dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias" };
        for (var t = 0; t < reference.Length; t++)
        {
            for (var i = 0; i < reference[t].Length; i++)
            {
                var saved = reference[t][i];
                reference[t][i] = saved + FiniteStep;
                var plus = ReferenceHead.MeanLoss(reference, Hidden, Classes, features, labels);
                reference[t][i] = saved - FiniteStep;
                var minus = ReferenceHead.MeanLoss(reference, Hidden, Classes, features, labels);
                reference[t][i] = saved;

                var expected = (plus - minus) / (2 * FiniteStep);
                var actual = gradients.Tensors[t][i];
                Assert.True(
                    Math.Abs(actual - expected) <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(expected)),
                    $"∂loss/∂{names[t]}[{i}]: analytic {actual:G6}, finite difference {expected:G6} ({rows} rows)");
            }
        }
    }

    [Fact]
    public void Correct_counts_the_rows_whose_largest_logit_is_their_label()
    {
        var random = new Random(12);
        var parameters = HeadParameters.Initial(Hidden, Classes, random);
        var (features, labels) = Batch(random, Capacity);
        var head = parameters.ToHead();
        var expected = Enumerable.Range(0, Capacity).Count(r =>
        {
            var probabilities = ReferenceHead.Probabilities(head, features.AsSpan(r * Hidden, Hidden));
            return Array.IndexOf(probabilities, probabilities.Max()) == labels[r];
        });

        var loss = new HeadBackprop(Hidden, Classes, Capacity).LossAndGradients(parameters, features, labels, new HeadParameters(Hidden, Classes));

        Assert.InRange(expected, 1, Capacity - 1);
        Assert.Equal(expected, loss.Correct);
    }

    [Fact]
    public void Initial_weights_and_biases_are_uniform_within_one_over_root_fan_in()
    {
        const int hidden = 64;
        var bound = 1 / Math.Sqrt(hidden);

        var parameters = HeadParameters.Initial(hidden, Classes, new Random(3));
        var again = HeadParameters.Initial(hidden, Classes, new Random(3));

        Assert.All(parameters.Tensors.SelectMany(t => t), v => Assert.InRange(v, -bound, bound));

        // 4,096 draws from U(−b, b) come within 1% of both ends, so a narrower (say 1/fan_in) range shows.
        Assert.True(parameters.DenseWeight.Max() > 0.99 * bound && parameters.DenseWeight.Min() < -0.99 * bound);
        Assert.True(parameters.OutProjWeight.Select(Math.Abs).Max() > 0.9 * bound);
        Assert.Equal(parameters.Tensors, again.Tensors);
    }

    private static (float[] Features, int[] Labels) Batch(Random random, int rows)
    {
        var features = new float[rows * Hidden];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return (features, [.. Enumerable.Range(0, rows).Select(_ => random.Next(Classes))]);
    }
}
