namespace ProtSt.Model.Folders;

/// <summary>What a converted model folder can do.</summary>
public enum ModelKind
{
    /// <summary>A protein encoder: per-residue hidden states and the mean residue embedding.</summary>
    Encoder,
}
