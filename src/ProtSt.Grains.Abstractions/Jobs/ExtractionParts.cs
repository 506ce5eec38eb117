namespace ProtSt.Grains;

/// <summary>What <c>--include</c> asks a job to write for each protein; a flags enum because one job names several.</summary>
[Flags]
public enum ExtractionParts
{
    /// <summary>Nothing beyond today's <c>embedding</c> column.</summary>
    None = 0,

    /// <summary><c>mean_&lt;k&gt;</c> in embeddings.parquet: the mean over the residues of layer k.</summary>
    Mean = 1,

    /// <summary>residues.parquet: every residue's state in each requested layer.</summary>
    PerResidue = 2,

    /// <summary><c>bos_&lt;k&gt;</c> in embeddings.parquet: the <c>&lt;cls&gt;</c> token's state in layer k.</summary>
    Bos = 4,

    /// <summary>contacts.parquet: ESM's contact map, n x n.</summary>
    Contacts = 8,
}
