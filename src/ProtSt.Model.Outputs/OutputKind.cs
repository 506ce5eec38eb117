namespace ProtSt.Model.Outputs;

/// <summary>
/// What a batch is asked to produce; a flags enum because one request names several kinds at once (combine with
/// <c>|</c>).
/// </summary>
[Flags]
public enum OutputKind
{
    /// <summary>Nothing beyond what every batch produces (the pooled embedding).</summary>
    None = 0,

    /// <summary>The mean residue embedding of the last layer [B, D]; every batch produces it, since heads read it.</summary>
    Pooled = 1,

    /// <summary>
    /// Per-token states [B, T, D]: the last layer's in <see cref="BatchOutputs.Residues"/>, and with <see cref="Layers"/>
    /// those of every requested layer in <see cref="BatchOutputs.LayerResidues"/>.
    /// </summary>
    Residues = 2,

    /// <summary>
    /// The layers <see cref="OutputRequest.Layers"/> names: their means in <see cref="BatchOutputs.LayerPooled"/>, and their
    /// per-token states in <see cref="BatchOutputs.LayerResidues"/> when <see cref="Residues"/> is requested too.
    /// </summary>
    Layers = 4,

    /// <summary>ESM's contact probabilities [B, T, T] by token position (<see cref="BatchOutputs.Contacts"/>); needs a checkpoint with a contact head.</summary>
    Contacts = 8,

    /// <summary>The model's head on the pooled embedding: ProtST's projected feature or a classifier's probabilities; ignored for encoder-only models.</summary>
    Head = 16,

    /// <summary>The <c>&lt;cls&gt;</c> (beginning-of-sequence) state of each requested layer (the last without <see cref="Layers"/>) in <see cref="BatchOutputs.LayerBos"/>.</summary>
    Bos = 32,
}
