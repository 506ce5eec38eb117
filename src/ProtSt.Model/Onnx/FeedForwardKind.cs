namespace ProtSt.Model.Onnx;

/// <summary>The feed-forward half of a transformer block.</summary>
public enum FeedForwardKind
{
    /// <summary>Linear → exact (erf) GELU → Linear (ESM-1b, ESM-2, BERT).</summary>
    Gelu,

    /// <summary>Linear to twice the width, SiLU of the first half times the second, Linear (ESM C's SwiGLU).</summary>
    SwiGlu,
}
