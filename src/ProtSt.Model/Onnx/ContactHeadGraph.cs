using System.Globalization;
using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Onnx;

/// <summary>
/// ESM's contact head inside the graph (fair-esm's <c>ContactPredictionHead</c>): sigmoid of a logistic regression over
/// the symmetrized, APC-corrected attention maps of every layer and head, with <c>&lt;cls&gt;</c>, <c>&lt;eos&gt;</c>
/// and padding removed. The regression is linear, so each layer's maps are corrected and weighted as the loop emits them
/// and only one [B, T, T] sum is carried: the [B, layers × heads, T, T] stack fair-esm builds never exists.
/// </summary>
internal sealed class ContactHeadGraph
{
    /// <summary>The regression's tensor names under the encoder's prefix, as fair-esm and Hugging Face's EsmModel name them.</summary>
    public const string Weight = "contact_head.regression.weight";

    public const string Bias = "contact_head.regression.bias";

    private readonly OnnxGraphBuilder _g;
    private readonly float[] _weight;
    private readonly float? _bias;
    private readonly int _heads;
    private readonly string _pairs;
    private readonly string _lastAxis;
    private readonly string _rowAxis;
    private readonly string _headAxis;
    private readonly string _tiny;
    private string? _sum;

    private ContactHeadGraph(OnnxGraphBuilder g, float[] weight, float? bias, int heads, string residueMask)
    {
        _g = g;
        _weight = weight;
        _bias = bias;
        _heads = heads;
        _lastAxis = g.Int64Constant(g.Fresh("contact_axis_3"), 3);
        _rowAxis = g.Int64Constant(g.Fresh("contact_axis_2"), 2);
        _headAxis = g.Int64Constant(g.Fresh("contact_axis_1"), 1);
        _tiny = g.FloatScalar(g.Fresh("contact_tiny"), float.Epsilon);

        // Residue pairs [B, 1, T, T]: 1 where both tokens are residues. fair-esm zeroes <eos> (and padding) rows and
        // columns and slices <cls> off; zero rows add nothing to APC's sums, so the n x n block is the same as alone.
        var rows = g.Node("Unsqueeze", [residueMask, _rowAxis]);
        var columns = g.Node("Unsqueeze", [residueMask, _headAxis]);
        Pairs = g.Node("Mul", [rows, columns], g.Fresh("contact_pairs"));
        _pairs = g.Node("Unsqueeze", [Pairs, _headAxis]);
    }

    /// <summary>1 where both tokens are residues [B, T, T].</summary>
    public string Pairs { get; }

    /// <summary>True when the checkpoint has a contact head under <paramref name="prefix"/>.</summary>
    public static bool Exists(Checkpoint checkpoint, string prefix) => checkpoint.Tensors.ContainsKey(prefix + Weight);

    /// <summary>
    /// The contact head of the checkpoint, checked against the encoder's layers and heads; null when it has none.
    /// The residue mask is float32 [B, T]: 1 at residue positions (not <c>&lt;cls&gt;</c>, <c>&lt;eos&gt;</c> or padding).
    /// </summary>
    public static ContactHeadGraph? Locate(OnnxGraphBuilder g, Checkpoint checkpoint, string prefix, int layers, int heads, string residueMask)
    {
        if (!checkpoint.Tensors.TryGetValue(prefix + Weight, out var weight))
        {
            return null;
        }

        long features = (long)layers * heads;
        if (!weight.Shape.SequenceEqual([1L, features]) && !weight.Shape.SequenceEqual([features]))
        {
            throw new CheckpointFormatException(
                string.Create(CultureInfo.InvariantCulture, $"'{prefix + Weight}' is {weight.ShapeText}, expected [1, {features}]: one weight per layer and head ({layers} x {heads})."));
        }

        float? bias = null;
        if (checkpoint.Tensors.TryGetValue(prefix + Bias, out var biasTensor))
        {
            var values = biasTensor.ReadFloat32();
            bias = values.Length == 1 ? values[0] : throw new CheckpointFormatException($"'{prefix + Bias}' is {biasTensor.ShapeText}, expected [1].");
        }

        return new ContactHeadGraph(g, weight.ReadFloat32(), bias, heads, residueMask);
    }

    /// <summary>Adds block <paramref name="layer"/>'s (0-based) attention probabilities [B, heads, T, T] to the regression.</summary>
    public void Add(int layer, string probabilities)
    {
        // Per head, fair-esm computes S = A + Aᵀ, then APC(S) = S - s_i s_j / s.. where s_i are S's row sums (S is
        // symmetric, so its column sums are the same), then Σ_h w_h APC(S_h). That sum splits into
        // (Σ_h w_h A_h) + its transpose, minus Σ_h (w_h / s..) s_i s_j, a [T, heads] x [heads, T] product: five passes
        // over the [B, heads, T, T] maps instead of ten.
        var g = _g;
        var attention = g.Node("Mul", [g.ToFloat(probabilities), _pairs]);
        var rowSums = g.Node("ReduceSum", [attention, _lastAxis], null, Attributes.Int("keepdims", 0));
        var columnSums = g.Node("ReduceSum", [attention, _rowAxis], null, Attributes.Int("keepdims", 0));
        var sums = g.Node("Add", [rowSums, columnSums]);
        var total = g.Node("Max", [g.Node("ReduceSum", [sums, _rowAxis], null, Attributes.Int("keepdims", 1)), _tiny]);

        // Feature layer × heads + head, as fair-esm stacks [layers, heads] before its view.
        var headWeights = _weight.AsSpan(layer * _heads, _heads).ToArray();
        var weights = g.FloatConstant(g.Fresh($"contact_weight_{layer}"), headWeights, 1, _heads, 1, 1);
        var weighted = g.Node("ReduceSum", [g.Node("Mul", [attention, weights]), _headAxis], null, Attributes.Int("keepdims", 0));
        var symmetric = g.Node("Add", [weighted, g.Node("Transpose", [weighted], null, Attributes.Ints("perm", 0, 2, 1))]);

        var columnWeights = g.FloatConstant(g.Fresh($"contact_apc_weight_{layer}"), headWeights, 1, _heads, 1);
        var scaled = g.Node("Div", [g.Node("Mul", [sums, columnWeights]), total]);
        var correction = g.Node("MatMul", [g.Node("Transpose", [scaled], null, Attributes.Ints("perm", 0, 2, 1)), sums]);
        var contribution = g.Node("Sub", [symmetric, correction]);
        _sum = _sum is null ? contribution : g.Node("Add", [_sum, contribution]);
    }

    /// <summary>Contact probabilities [B, T, T] by token position; 0 wherever either token is not a residue.</summary>
    public string Finish()
    {
        var logits = _sum ?? throw new InvalidOperationException("No attention layer was added to the contact head.");
        if (_bias is { } bias)
        {
            logits = _g.Node("Add", [logits, _g.FloatScalar(_g.Fresh("contact_bias"), bias)]);
        }

        return _g.Node("Mul", [_g.Node("Sigmoid", [logits]), Pairs]);
    }
}
