using System.Numerics.Tensors;

namespace ProtSt.Training;

/// <summary>
/// torch.optim.AdamW's single-tensor update, step for step: decoupled weight decay on the tensors marked for it (torch's
/// parameter groups), moments by lerp and addcmul, bias correction, then p −= lr/bc1 · m / (√v/√bc2 + ε).
/// </summary>
internal sealed class AdamW
{
    // Each update runs as several TensorPrimitives passes; doing them chunk by chunk keeps the chunk in L1 between passes.
    private const int Chunk = 4096;

    private readonly float[][] _firstMoments;
    private readonly float[][] _secondMoments;
    private readonly float[] _scratch = new float[Chunk];
    private readonly bool[] _decayed;
    private readonly double _learningRate;
    private readonly double _weightDecay;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;

    /// <param name="parameters">The tensors to train, in the order every <see cref="Step"/> passes them.</param>
    /// <param name="decayed">Per tensor, whether weight decay applies to it (the group it would sit in under torch).</param>
    /// <param name="options">Learning rate, decay, betas and epsilon.</param>
    public AdamW(IReadOnlyList<float[]> parameters, IReadOnlyList<bool> decayed, HeadTrainingOptions options)
    {
        if (decayed.Count != parameters.Count)
        {
            throw new ArgumentException($"{decayed.Count} decay flags for {parameters.Count} tensors.", nameof(decayed));
        }

        _decayed = [.. decayed];
        _firstMoments = [.. parameters.Select(p => new float[p.Length])];
        _secondMoments = [.. parameters.Select(p => new float[p.Length])];
        _learningRate = options.LearningRate;
        _weightDecay = options.WeightDecay;
        _beta1 = options.Beta1;
        _beta2 = options.Beta2;
        _epsilon = options.Epsilon;
    }

    public int Steps { get; private set; }

    public void Step(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        Steps++;

        // Scalars in double, as torch computes them in Python, then used at the tensors' float precision.
        var decay = (float)(1 - (_learningRate * _weightDecay));
        var lerpWeight = 1 - _beta1;
        var beta2 = (float)_beta2;
        var gradWeight = (float)(1 - _beta2);
        var stepSize = (float)(_learningRate / (1 - Math.Pow(_beta1, Steps)));
        var correction2Sqrt = (float)Math.Sqrt(1 - Math.Pow(_beta2, Steps));
        var epsilon = (float)_epsilon;
        for (var t = 0; t < parameters.Count; t++)
        {
            var parameter = parameters[t];
            var gradient = gradients[t];
            for (var start = 0; start < parameter.Length; start += Chunk)
            {
                var length = Math.Min(Chunk, parameter.Length - start);
                var p = parameter.AsSpan(start, length);
                var g = gradient.AsSpan(start, length);
                var m = _firstMoments[t].AsSpan(start, length);
                var v = _secondMoments[t].AsSpan(start, length);
                var scratch = _scratch.AsSpan(0, length);

                // p.mul_(1 − lr·wd), in the decayed group only (the other group's wd is 0, which leaves p as it is).
                if (_decayed[t])
                {
                    TensorPrimitives.Multiply(p, decay, p);
                }

                // m.lerp_(g, 1 − β1), with torch's two-sided lerp formula for accuracy near either end.
                TensorPrimitives.Subtract(g, m, scratch);
                if (lerpWeight < 0.5)
                {
                    TensorPrimitives.MultiplyAdd(scratch, (float)lerpWeight, m, m);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(scratch, (float)(lerpWeight - 1), g, m);
                }

                // v.mul_(β2).addcmul_(g, g, value = 1 − β2)
                TensorPrimitives.Multiply(v, beta2, v);
                TensorPrimitives.Multiply(g, gradWeight, scratch);
                TensorPrimitives.MultiplyAdd(scratch, g, v, v);

                // denom = v.sqrt() / √bc2 + ε; p.addcdiv_(m, denom, value = −lr / bc1)
                TensorPrimitives.Sqrt(v, scratch);
                TensorPrimitives.Divide(scratch, correction2Sqrt, scratch);
                TensorPrimitives.Add(scratch, epsilon, scratch);
                TensorPrimitives.Divide(m, scratch, scratch);
                TensorPrimitives.MultiplyAdd(scratch, -stepSize, p, p);
            }
        }
    }
}
