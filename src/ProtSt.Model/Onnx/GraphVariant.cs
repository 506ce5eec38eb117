namespace ProtSt.Model.Onnx;

/// <summary>Which operators the encoder graph is built from.</summary>
public enum GraphVariant
{
    /// <summary>Standard ONNX operators only (runs on any ONNX runtime).</summary>
    Plain,

    /// <summary>ONNX Runtime's com.microsoft fused operators: MultiHeadAttention, RotaryEmbedding, SkipLayerNormalization, BiasGelu.</summary>
    Fused,
}
