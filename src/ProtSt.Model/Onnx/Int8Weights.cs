namespace ProtSt.Model.Onnx;

/// <summary>
/// Symmetric per-output-column int8 quantization: q = round(W / s) in [-127, 127] with s = max|W[:, n]| / 127, so
/// each column's largest weight is exact and the rest are within s/2.
/// </summary>
public static class Int8Weights
{
    /// <summary>Quantizes a row-major [in, out] weight; returns the int8 values (same layout) and one scale per output column.</summary>
    public static (sbyte[] Quantized, float[] Scales) Quantize(float[] weight, long inFeatures, long outFeatures)
    {
        var scales = new float[outFeatures];
        for (long k = 0; k < inFeatures; k++)
        {
            for (long n = 0; n < outFeatures; n++)
            {
                scales[n] = Math.Max(scales[n], Math.Abs(weight[(k * outFeatures) + n]));
            }
        }

        for (var n = 0; n < scales.Length; n++)
        {
            // An all-zero column quantizes to zeros under any scale; 1 keeps the division finite.
            scales[n] = scales[n] > 0 ? scales[n] / 127f : 1f;
        }

        var quantized = new sbyte[weight.Length];
        for (long k = 0; k < inFeatures; k++)
        {
            for (long n = 0; n < outFeatures; n++)
            {
                var index = (k * outFeatures) + n;
                quantized[index] = (sbyte)Math.Clamp(MathF.Round(weight[index] / scales[n], MidpointRounding.ToEven), -127f, 127f);
            }
        }

        return (quantized, scales);
    }
}
