namespace ProtSt.Pipeline;

/// <summary>One planned batch: indices into the planned list, and its padded and real token counts.</summary>
public sealed record PlannedBatch(IReadOnlyList<int> Indices, int PaddedLength, long RealTokens)
{
    public long PaddedTokens => (long)Indices.Count * PaddedLength;
}
