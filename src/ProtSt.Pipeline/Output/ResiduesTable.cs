namespace ProtSt.Pipeline;

/// <summary>
/// Owns a screen's <c>residues.parquet</c> (with <c>--include per-residue</c>): one row per residue per requested layer,
/// <c>id</c>, <c>layer</c> (fair-esm numbering), <c>position</c> (1-based, <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> excluded)
/// and <c>state</c> (FLOAT[] of the model's width), in the order of the results, each protein's layers in request order.
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
