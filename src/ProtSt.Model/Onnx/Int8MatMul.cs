using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Model.Onnx;

/// <summary>
/// x · W with W quantized symmetrically per output column (<see cref="Int8Weights"/>), emitted with the builder's <see cref="Int8Scheme"/>.
/// </summary>
internal static class Int8MatMul
{
    private const int MaxNBitsBlock = 256;

    /// <summary>x · W + <paramref name="bias"/> (when given), W being [in, out] float32 values to quantize.</summary>
    public static string Emit(OnnxGraphBuilder g, string x, string name, float[] weight, long inFeatures, long outFeatures, string? bias)
    {
        var (quantized, scales) = Int8Weights.Quantize(weight, inFeatures, outFeatures);
        if (g.Int8Scheme == Int8Scheme.DynamicQuantizeMatMul)
        {
            // The bias is the operator's optional fifth input (after an absent zero point): one node, no extra pass.
            IReadOnlyList<string> inputs = [x, g.Int8Constant(name + ".int8", quantized, inFeatures, outFeatures), g.FloatConstant(name + ".scale", scales, outFeatures)];
            return g.MicrosoftNode("DynamicQuantizeMatMul", bias is null ? inputs : [.. inputs, string.Empty, bias]);
        }

        var product = g.Int8Scheme switch
        {
            Int8Scheme.MatMulInteger => MatMulInteger(g, x, name, quantized, scales, inFeatures, outFeatures),
            Int8Scheme.MatMulNBits => MatMulNBits(g, x, name, quantized, scales, inFeatures, outFeatures),
            _ => throw new ArgumentOutOfRangeException(nameof(g), g.Int8Scheme, "Unknown int8 scheme."),
        };
        return bias is null ? product : g.Node("Add", [product, bias]);
    }

    private static string MatMulInteger(OnnxGraphBuilder g, string x, string name, sbyte[] quantized, float[] scales, long inFeatures, long outFeatures)
    {
        var parts = g.NodeWithOutputs("DynamicQuantizeLinear", [x], [g.Fresh("x_q"), g.Fresh("x_scale"), g.Fresh("x_zero")], null);
        var product = g.Node("MatMulInteger", [parts[0], g.Int8Constant(name + ".int8", quantized, inFeatures, outFeatures), parts[2]]);
        var scale = g.Node("Mul", [parts[1], g.FloatConstant(name + ".scale", scales, outFeatures)]);
        return g.Node("Mul", [g.Node("Cast", [product], null, Attributes.Int("to", (long)DataType.Float)), scale]);
    }

    private static string MatMulNBits(OnnxGraphBuilder g, string x, string name, sbyte[] quantized, float[] scales, long inFeatures, long outFeatures)
    {
        // Blocks of one column share that column's scale, so the blocking changes nothing numerically; unsigned
        // storage with MatMulNBits' default zero point (128) makes the quantization symmetric.
        var block = MaxNBitsBlock;
        while (block > 16 && inFeatures % block != 0)
        {
            block /= 2;
        }

        var blocks = (inFeatures + block - 1) / block;
        var packed = new byte[outFeatures * blocks * block];
        Array.Fill(packed, (byte)128);
        var blockScales = new float[outFeatures * blocks];
        for (long n = 0; n < outFeatures; n++)
        {
            for (long k = 0; k < inFeatures; k++)
            {
                packed[(n * blocks * block) + k] = (byte)(quantized[(k * outFeatures) + n] + 128);
            }

            Array.Fill(blockScales, scales[n], (int)(n * blocks), (int)blocks);
        }

        return g.MicrosoftNode(
            "MatMulNBits",
            [x, g.UInt8Constant(name + ".uint8", packed, outFeatures, blocks, block), g.FloatConstant(name + ".scale", blockScales, outFeatures * blocks)],
            null,
            Attributes.Int("K", inFeatures),
            Attributes.Int("N", outFeatures),
            Attributes.Int("bits", 8),
            Attributes.Int("block_size", block),
            Attributes.Int("accuracy_level", 4));
    }
}
