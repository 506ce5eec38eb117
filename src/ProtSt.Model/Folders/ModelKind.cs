namespace ProtSt.Model.Folders;

/// <summary>What a converted model folder can do.</summary>
public enum ModelKind
{
    /// <summary>A protein encoder: per-residue hidden states and the mean residue embedding.</summary>
    Encoder,

    /// <summary>ProtST: a protein encoder with its projection and a text tower in one space, for zero-shot labels and text search.</summary>
    ZeroShot,

    /// <summary>A protein encoder with a classifier head on the mean residue embedding: class probabilities.</summary>
    Classifier,
}
