namespace ProtSt.Training.Tests;

public sealed class AdamWTests
{
    // Float32 parameters of size ~1 updated by ~1e-2: a few ulps of rounding, far below any formula slip.
    private const double Tolerance = 1e-6;

    [Theory]
    [InlineData(0.9, 0.999)]
    [InlineData(0.3, 0.95)]
    public void Two_steps_match_torch_adamw_computed_by_hand_with_decay_on_the_decayed_group_only(double beta1, double beta2)
    {
        var options = new HeadTrainingOptions { LearningRate = 0.01, WeightDecay = 0.1, Beta1 = beta1, Beta2 = beta2, Epsilon = 1e-8 };
        var parameters = new float[][] { [0.5f, -1.25f, 2f, 0.3f], [0.75f] };
        var decayed = new[] { true, false };

        // A 1e-8 gradient makes √v̂ equal ε, so ε's place in the denominator shows; a zero one on the undecayed tensor
        // must leave it exactly as it was.
        var steps = new float[][][]
        {
            [[0.2f, -0.4f, 1e-8f, 0.05f], [0f]],
            [[-0.1f, -0.3f, 1e-8f, 2.5f], [0f]],
        };
        var expected = parameters.Select(t => t.Select(v => (double)v).ToArray()).ToArray();
        var m = expected.Select(t => new double[t.Length]).ToArray();
        var v = expected.Select(t => new double[t.Length]).ToArray();
        var optimizer = new AdamW(parameters, decayed, options);

        for (var step = 1; step <= steps.Length; step++)
        {
            var gradients = steps[step - 1];
            optimizer.Step(parameters, gradients);

            for (var t = 0; t < expected.Length; t++)
            {
                for (var i = 0; i < expected[t].Length; i++)
                {
                    double g = gradients[t][i], lr = options.LearningRate;
                    expected[t][i] *= decayed[t] ? 1 - (lr * options.WeightDecay) : 1;
                    m[t][i] = (beta1 * m[t][i]) + ((1 - beta1) * g);
                    v[t][i] = (beta2 * v[t][i]) + ((1 - beta2) * g * g);
                    var mHat = m[t][i] / (1 - Math.Pow(beta1, step));
                    var vHat = v[t][i] / (1 - Math.Pow(beta2, step));
                    expected[t][i] -= lr * mHat / (Math.Sqrt(vHat) + options.Epsilon);
                    Assert.True(
                        Math.Abs(parameters[t][i] - expected[t][i]) <= Tolerance,
                        $"step {step}, tensor {t}[{i}]: {parameters[t][i]:G9} but the formula gives {expected[t][i]:G9}");
                }
            }
        }

        Assert.Equal(2, optimizer.Steps);
        Assert.Equal(0.75f, parameters[1][0]);
    }
}
