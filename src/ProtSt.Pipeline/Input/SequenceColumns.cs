namespace ProtSt.Pipeline;

/// <summary>The column names tabular inputs may use for the id, the sequence and the label (the ProtST datasets' among them).</summary>
internal static class SequenceColumns
{
    public static readonly string[] Id = ["id", "unnamed: 0", "accession", "entry", "name"];
    public static readonly string[] Sequence = ["sequence", "prot_seq", "seq"];
    public static readonly string[] Label = ["label", "localization", "target"];

    /// <summary>The index of the first header that is one of <paramref name="names"/> (case-insensitive), or -1.</summary>
    public static int Find(IReadOnlyList<string> header, string[] names)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (names.Contains(header[i].Trim(), StringComparer.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
