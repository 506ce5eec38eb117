namespace ProtSt.Model.Onnx;

/// <summary>How a transformer encodes token positions.</summary>
public enum PositionKind
{
    /// <summary>A learned vector per position added to the token embedding (ESM-1b, BERT).</summary>
    Learned,

    /// <summary>Queries and keys rotated by position in every layer (ESM-2, ESM C).</summary>
    Rotary,
}
