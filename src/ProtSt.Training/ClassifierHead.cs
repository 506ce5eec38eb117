namespace ProtSt.Training;

/// <summary>
/// The weights of ProtST's <c>ProtSTHead</c>: <c>dense</c> Linear(h, h), ReLU, <c>out_proj</c> Linear(h, c).
/// Weights are row-major [out, in], as PyTorch's <c>nn.Linear</c> stores them.
/// </summary>
public sealed record ClassifierHead
{
    /// <summary>Takes h from <paramref name="denseBias"/> and c from <paramref name="outProjBias"/> and checks the weights against them.</summary>
    public ClassifierHead(float[] denseWeight, float[] denseBias, float[] outProjWeight, float[] outProjBias)
    {
        ArgumentNullException.ThrowIfNull(denseWeight);
        ArgumentNullException.ThrowIfNull(denseBias);
        ArgumentNullException.ThrowIfNull(outProjWeight);
        ArgumentNullException.ThrowIfNull(outProjBias);
        var hidden = denseBias.Length;
        var labels = outProjBias.Length;
        if (hidden < 1 || labels < 1)
        {
            throw new ArgumentException($"A head needs hidden size and label count of at least 1, got h={hidden}, c={labels}.");
        }

        RequireLength(denseWeight, (long)hidden * hidden, DenseWeightName, $"[{hidden}, {hidden}]", nameof(denseWeight));
        RequireLength(outProjWeight, (long)labels * hidden, OutProjWeightName, $"[{labels}, {hidden}]", nameof(outProjWeight));
        DenseWeight = denseWeight;
        DenseBias = denseBias;
        OutProjWeight = outProjWeight;
        OutProjBias = outProjBias;
    }

    public const string DenseWeightName = "classifier.dense.weight";
    public const string DenseBiasName = "classifier.dense.bias";
    public const string OutProjWeightName = "classifier.out_proj.weight";
    public const string OutProjBiasName = "classifier.out_proj.bias";

    /// <summary>[h, h] row-major.</summary>
    public float[] DenseWeight { get; }

    public float[] DenseBias { get; }

    /// <summary>[c, h] row-major.</summary>
    public float[] OutProjWeight { get; }

    public float[] OutProjBias { get; }

    public int HiddenSize => DenseBias.Length;

    public int NumLabels => OutProjBias.Length;

    private static void RequireLength(float[] values, long expected, string tensor, string shape, string parameter)
    {
        if (values.LongLength != expected)
        {
            throw new ArgumentException($"'{tensor}' must be {shape} = {expected} values, got {values.LongLength}.", parameter);
        }
    }
}
