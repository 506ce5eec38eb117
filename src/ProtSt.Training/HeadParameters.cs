namespace ProtSt.Training;

/// <summary>
/// The head's four tensors as mutable arrays in <see cref="ClassifierHead"/>'s layout (row-major [out, in]). The same
/// shape holds the parameters being trained, their gradients and the best epoch's copy, so each is allocated once per run.
/// </summary>
internal sealed class HeadParameters
{
    public HeadParameters(int hidden, int labels)
        : this(new float[(long)hidden * hidden], new float[hidden], new float[(long)labels * hidden], new float[labels])
    {
    }

    private HeadParameters(float[] denseWeight, float[] denseBias, float[] outProjWeight, float[] outProjBias)
    {
        DenseWeight = denseWeight;
        DenseBias = denseBias;
        OutProjWeight = outProjWeight;
        OutProjBias = outProjBias;
        Tensors = [denseWeight, denseBias, outProjWeight, outProjBias];
    }

    public float[] DenseWeight { get; }

    public float[] DenseBias { get; }

    public float[] OutProjWeight { get; }

    public float[] OutProjBias { get; }

    /// <summary>The four arrays in PyTorch's parameter order (dense.weight, dense.bias, out_proj.weight, out_proj.bias).</summary>
    public IReadOnlyList<float[]> Tensors { get; }

    /// <summary>Which of <see cref="Tensors"/> weight decay applies to: the two weight matrices, never the biases (the Hugging Face Trainer's groups).</summary>
    public static IReadOnlyList<bool> Decayed { get; } = [true, false, true, false];

    public int Hidden => DenseBias.Length;

    public int Labels => OutProjBias.Length;

    public static HeadParameters From(ClassifierHead head) => new(
        (float[])head.DenseWeight.Clone(),
        (float[])head.DenseBias.Clone(),
        (float[])head.OutProjWeight.Clone(),
        (float[])head.OutProjBias.Clone());

    /// <summary>
    /// PyTorch's default <c>nn.Linear</c> initialisation (kaiming-uniform with a = √5, so every weight and bias is
    /// U(−1/√fan_in, 1/√fan_in)), drawn in torch's order from a seeded <see cref="Random"/> rather than a process-wide
    /// generator so that concurrent runs cannot perturb each other's start.
    /// </summary>
    public static HeadParameters Initial(int hidden, int labels, Random random)
    {
        var parameters = new HeadParameters(hidden, labels);
        var bound = 1.0 / Math.Sqrt(hidden);
        foreach (var tensor in parameters.Tensors)
        {
            for (var i = 0; i < tensor.Length; i++)
            {
                tensor[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
            }
        }

        return parameters;
    }

    public void CopyFrom(HeadParameters source)
    {
        for (var t = 0; t < Tensors.Count; t++)
        {
            source.Tensors[t].AsSpan().CopyTo(Tensors[t]);
        }
    }

    public ClassifierHead ToHead() => new(
        (float[])DenseWeight.Clone(),
        (float[])DenseBias.Clone(),
        (float[])OutProjWeight.Clone(),
        (float[])OutProjBias.Clone());
}
