namespace ProtSt.Model.Onnx;

/// <summary>How a converted model stores its weights and computes its encoder.</summary>
public enum WeightPrecision
{
    /// <summary>float32 weights, float32 compute.</summary>
    Fp32,

    /// <summary>
    /// float16 weights and activations (the MatMuls, attention and GELU run in float16); LayerNorm, softmax and the
    /// mean pooling accumulate in float32 and every output is float32.
    /// </summary>
    Fp16,

    /// <summary>
    /// Every encoder Linear's weight quantized symmetrically per output channel to int8 (one float32 scale per output
    /// column); embeddings, LayerNorm, softmax, pooling, heads and the text tower stay float32.
    /// </summary>
    Int8,
}
