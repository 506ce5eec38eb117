using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Onnx;

/// <summary>
/// A two-layer head as ProtST writes them (<c>dense</c>: in→hidden, ReLU, <c>out_proj</c>: hidden→out), e.g.
/// <c>protein_model.protein_mlp.</c>, <c>text_model.text_mlp.</c> or <c>classifier.</c>; widths come from the tensors.
/// </summary>
internal sealed class MlpHeadWeights : PrefixedWeights
{
    private MlpHeadWeights(Checkpoint checkpoint, string prefix, long inputWidth, long hiddenWidth, long outputWidth)
        : base(checkpoint, prefix)
    {
        InputWidth = inputWidth;
        HiddenWidth = hiddenWidth;
        OutputWidth = outputWidth;
    }

    public long InputWidth { get; }

    public long HiddenWidth { get; }

    public long OutputWidth { get; }

    /// <summary>True when the checkpoint has a head under this prefix (its <c>dense.weight</c>).</summary>
    public static bool Exists(Checkpoint checkpoint, string prefix) => checkpoint.Tensors.ContainsKey(prefix + "dense.weight");

    /// <summary>Reads the head's shapes and checks they chain together and take <paramref name="inputWidth"/> values in.</summary>
    public static MlpHeadWeights Locate(Checkpoint checkpoint, string prefix, long inputWidth)
    {
        var dense = checkpoint.Tensors.TryGetValue(prefix + "dense.weight", out var d) ? d.Shape : null;
        var output = checkpoint.Tensors.TryGetValue(prefix + "out_proj.weight", out var o) ? o.Shape : null;
        var hidden = dense is [var h, _] ? h : inputWidth;
        var width = output is [var w, _] ? w : 1;
        var weights = new MlpHeadWeights(checkpoint, prefix, inputWidth, hidden, width);
        weights.Validate();
        return weights;
    }

    protected override IEnumerable<(string Name, long[] Shape)> Expected()
    {
        yield return ("dense.weight", [HiddenWidth, InputWidth]);
        yield return ("dense.bias", [HiddenWidth]);
        yield return ("out_proj.weight", [OutputWidth, HiddenWidth]);
        yield return ("out_proj.bias", [OutputWidth]);
    }

    protected override string Describe() => $"a head '{Prefix}' taking {InputWidth} values in";

    /// <summary>Emits dense → ReLU → out_proj on <paramref name="x"/>, in float32 at every precision.</summary>
    public string Emit(OnnxGraphBuilder g, string x)
    {
        RequireHalfRange = g.Precision == WeightPrecision.Fp16;
        var ops = new WeightOps(g, this, keepFloat: true);
        var hidden = g.Node("Relu", [ops.Linear(x, "dense", HiddenWidth, InputWidth)]);
        return ops.Linear(hidden, "out_proj", OutputWidth, HiddenWidth);
    }
}
