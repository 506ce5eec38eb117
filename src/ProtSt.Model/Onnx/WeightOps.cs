namespace ProtSt.Model.Onnx;

/// <summary>
/// The graph pieces that read Hugging Face module weights (Linear, LayerNorm) plus exact GELU, shared by the encoder
/// builders. Encoder pieces compute at the builder's precision (float16, or int8 weights for the MatMuls);
/// with <paramref name="keepFloat"/> (the ProtST heads) everything is float32.
/// </summary>
internal sealed class WeightOps(OnnxGraphBuilder g, PrefixedWeights w, bool keepFloat = false)
{
    private readonly Dictionary<string, string> _vectors = new(StringComparer.Ordinal);

    public string Linear(string x, string layer, long outFeatures, long inFeatures) =>
        MatMul(x, w.Prefix + layer + ".weight_t", Transposed(layer, outFeatures, inFeatures), inFeatures, outFeatures, Vector(layer + ".bias", outFeatures));

    /// <summary>x · Wᵀ for the Hugging Face Linear <paramref name="layer"/> (no bias).</summary>
    public string MatMul(string x, string layer, long outFeatures, long inFeatures) =>
        MatMul(x, w.Prefix + layer + ".weight_t", Transposed(layer, outFeatures, inFeatures), inFeatures, outFeatures);

    /// <summary>x · W (+ <paramref name="bias"/>) for a weight already laid out [in, out]; int8 models quantize it per output column.</summary>
    public string MatMul(string x, string name, float[] weight, long inFeatures, long outFeatures, string? bias = null)
    {
        if (!keepFloat && g.Precision == WeightPrecision.Int8)
        {
            return Int8MatMul.Emit(g, x, name, weight, inFeatures, outFeatures, bias);
        }

        var product = g.Node("MatMul", [x, keepFloat ? g.FloatWeight(name, weight, inFeatures, outFeatures) : g.Weight(name, weight, inFeatures, outFeatures)]);
        return bias is null ? product : g.Node("Add", [product, bias]);
    }

    /// <summary>A Linear weight transposed from Hugging Face's [out, in] to the [in, out] MatMul wants.</summary>
    public float[] Transposed(string layer, long outFeatures, long inFeatures)
    {
        var weight = w.Matrix(layer + ".weight", outFeatures, inFeatures);
        var transposed = new float[weight.Length];
        for (var o = 0; o < outFeatures; o++)
        {
            for (var i = 0; i < inFeatures; i++)
            {
                transposed[(i * outFeatures) + o] = weight[(o * inFeatures) + i];
            }
        }

        return transposed;
    }

    /// <summary>A 1-D weight, added to the graph once however often it is used.</summary>
    public string Vector(string name, long length)
    {
        if (!_vectors.TryGetValue(name, out var value))
        {
            var values = w.Vector(name, length);
            value = keepFloat ? g.FloatWeight(w.Prefix + name, values, length) : g.Weight(w.Prefix + name, values, length);
            _vectors[name] = value;
        }

        return value;
    }

    /// <summary>
    /// LayerNormalization; on float16 input ONNX (stash_type 1) and ONNX Runtime accumulate its mean and variance in
    /// float32.
    /// </summary>
    public string LayerNorm(string x, string norm, long width, float epsilon, bool bias = true) =>
        g.Node(
            "LayerNormalization",
            bias ? [x, Vector(norm + ".weight", width), Vector(norm + ".bias", width)] : [x, Vector(norm + ".weight", width)],
            null,
            Attributes.Int("axis", -1),
            Attributes.Float("epsilon", epsilon),
            Attributes.Int("stash_type", 1));

    public string Gelu(string x)
    {
        // Exact GELU, 0.5·x·(1 + erf(x/√2)), as ESM and BERT use; ONNX Runtime fuses this pattern itself.
        var erf = g.Node("Erf", [g.Node("Div", [x, Scalar("sqrt2", MathF.Sqrt(2f))])]);
        return g.Node("Mul", [g.Node("Mul", [x, Scalar("half", 0.5f)]), g.Node("Add", [erf, Scalar("one", 1f)])]);
    }

    /// <summary>
    /// Softmax over the last axis of attention scores plus a float32 mask bias, computed in float32 whatever the
    /// encoder's precision; returns probabilities at the encoder's precision.
    /// </summary>
    public string MaskedSoftmax(string scores, string floatBias) =>
        g.ToCompute(g.Node("Softmax", [g.Node("Add", [g.ToFloat(scores), floatBias])], null, Attributes.Int("axis", -1)));

    private string Scalar(string hint, float value) =>
        keepFloat ? g.FloatScalar(g.Fresh(hint), value) : g.ComputeScalar(g.Fresh(hint), value);
}
