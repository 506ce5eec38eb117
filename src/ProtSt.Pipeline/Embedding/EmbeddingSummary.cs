namespace ProtSt.Pipeline;

/// <summary>Counts and rates of an embedding run so far.</summary>
public sealed record EmbeddingSummary(long Sequences, long Residues, long RealTokens, long PaddedTokens, long Skipped, TimeSpan Elapsed)
{
    public double SequencesPerSecond => Elapsed.TotalSeconds > 0 ? Sequences / Elapsed.TotalSeconds : 0;

    public double ResiduesPerSecond => Elapsed.TotalSeconds > 0 ? Residues / Elapsed.TotalSeconds : 0;

    /// <summary>Real tokens over padded tokens: the share of the encoder's work that was not padding.</summary>
    public double PaddingEfficiency => PaddedTokens > 0 ? (double)RealTokens / PaddedTokens : 1;
}
