namespace ProtSt.Pipeline;

/// <summary>
/// Owns a screen's <c>residues.parquet</c> (with <c>--include per-residue</c>): one row per residue per requested layer,
/// <c>id</c>, <c>layer</c> (fair-esm numbering), <c>position</c> (1-based, <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> excluded)
/// and <c>state</c> (FLOAT[] of the model's width); each protein's rows together, its layers in request order, the
/// proteins of a shard in the order their batches finished (a shard writes them as they come, not all at the end).
/// </summary>
public static class ResiduesTable
{
    public const string FileName = "residues.parquet";
    public const string LayerColumn = "layer";
    public const string PositionColumn = "position";
    public const string StateColumn = "state";

    /// <summary>The file in <paramref name="directory"/> (an output folder or one part of it).</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>A streaming writer of the table at <paramref name="directory"/>.</summary>
    public static StateParquetWriter Create(string directory, int valuesPerRowGroup = StateParquetWriter.DefaultValuesPerRowGroup) =>
        new(PathIn(directory), [LayerColumn, PositionColumn], StateColumn, valuesPerRowGroup);
}
