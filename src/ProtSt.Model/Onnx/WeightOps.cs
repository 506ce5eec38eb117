namespace ProtSt.Model.Onnx;

/// <summary>The graph pieces that read Hugging Face module weights (Linear, LayerNorm) plus exact GELU, shared by the encoder builders.</summary>
internal sealed class WeightOps(OnnxGraphBuilder g, PrefixedWeights w)
{
    private readonly Dictionary<string, string> _vectors = new(StringComparer.Ordinal);

    public string Linear(string x, string layer, long outFeatures, long inFeatures) =>
        g.Node("Add", [g.Node("MatMul", [x, Transposed(layer, outFeatures, inFeatures)]), Vector(layer + ".bias", outFeatures)]);

    public string Transposed(string layer, long outFeatures, long inFeatures)
    {
        // Hugging Face Linear weights are [out, in]; MatMul wants [in, out].
        var weight = w.Matrix(layer + ".weight", outFeatures, inFeatures);
        var transposed = new float[weight.Length];
        for (var o = 0; o < outFeatures; o++)
        {
            for (var i = 0; i < inFeatures; i++)
            {
                transposed[(i * outFeatures) + o] = weight[(o * inFeatures) + i];
            }
        }

        return g.Weight(w.Prefix + layer + ".weight_t", transposed, inFeatures, outFeatures);
    }

    /// <summary>A 1-D weight, added to the graph once however often it is used.</summary>
    public string Vector(string name, long length)
    {
        if (!_vectors.TryGetValue(name, out var value))
        {
            value = g.Weight(w.Prefix + name, w.Vector(name, length), length);
            _vectors[name] = value;
        }

        return value;
    }

    public string LayerNorm(string x, string norm, long width, float epsilon) =>
        g.Node(
            "LayerNormalization",
            [x, Vector(norm + ".weight", width), Vector(norm + ".bias", width)],
            null,
            Attributes.Int("axis", -1),
            Attributes.Float("epsilon", epsilon));

    public string Gelu(string x)
    {
        // Exact GELU, 0.5·x·(1 + erf(x/√2)), as ESM and BERT use; ONNX Runtime fuses this pattern itself.
        var erf = g.Node("Erf", [g.Node("Div", [x, g.FloatScalar(g.Fresh("sqrt2"), MathF.Sqrt(2f))])]);
        return g.Node("Mul", [g.Node("Mul", [x, g.FloatScalar(g.Fresh("half"), 0.5f)]), g.Node("Add", [erf, g.FloatScalar(g.Fresh("one"), 1f)])]);
    }
}
