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

    /// <summary>The last layer's states at every token position [B, T, D].</summary>
    Residues = 2,

    /// <summary>The states of the layers <see cref="OutputRequest.Layers"/> names.</summary>
    Layers = 4,

    /// <summary>Predicted residue–residue contacts [B, T, T].</summary>
    Contacts = 8,

    /// <summary>The model's head on the pooled embedding: ProtST's projected feature or a classifier's probabilities; ignored for encoder-only models.</summary>
    Head = 16,
}
