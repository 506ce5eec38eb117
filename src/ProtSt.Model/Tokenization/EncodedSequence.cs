namespace ProtSt.Model.Tokenization;

/// <summary>Token ids of one sequence, <c>&lt;cls&gt;</c> first and <c>&lt;eos&gt;</c> last, with its residue count after truncation.</summary>
public sealed record EncodedSequence(long[] Ids, int ResidueCount, int OriginalResidueCount)
{
    public bool Truncated => ResidueCount < OriginalResidueCount;

    public int Length => Ids.Length;
}
