namespace ProtSt.Pipeline;

/// <summary>
/// How large one input record may be; the readers refuse a record past these while reading it, so a hostile file
/// costs memory in proportion to the limits, not to its longest line. The CLI takes them from the silos' options
/// (<c>Security:MaxSequenceResidues</c>, <c>Security:MaxIdLength</c>), whose defaults are <see cref="Default"/>.
/// </summary>
public sealed record InputLimits(int MaxSequenceResidues, int MaxIdLength)
{
    /// <summary>Titin, the longest known protein, has about 35,000 residues; ids are accessions or short names.</summary>
    public static InputLimits Default { get; } = new(100_000, 1_024);

    /// <summary>The option names a refusal cites (the silo refuses the same limits by these names).</summary>
    public const string SequenceOption = "Security:MaxSequenceResidues";

    public const string IdOption = "Security:MaxIdLength";

    /// <summary>
    /// Characters of one text line or CSV/TSV record kept while reading. Room for residues separated by spaces (the
    /// ProtST datasets' layout), the id, and a label or description: a record that fits the limits always fits this.
    /// </summary>
    /// <remarks>At most 2<sup>30</sup> characters, however large the configured limits.</remarks>
    public int MaxRecordChars => (int)Math.Min((2L * MaxSequenceResidues) + (2L * MaxIdLength) + 65_536, 1 << 30);
}
