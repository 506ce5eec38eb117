namespace ProtSt.Model.Onnx;

/// <summary>Where a transformer block normalizes relative to each residual branch.</summary>
public enum NormPlacement
{
    /// <summary>Pre-LN: each branch reads a normalized copy of the residual stream (ESM).</summary>
    Before,

    /// <summary>Post-LN: the residual sum itself is normalized after each branch (BERT).</summary>
    After,
}
