namespace ProtSt.Pipeline;

/// <summary>
/// Owns a screen's <c>contacts.parquet</c> (with <c>--include contacts</c>): <c>id</c>, <c>length</c> (n residues) and
/// <c>contacts</c> (FLOAT[] of n x n contact probabilities, row-major: residue i's row is values i·n to i·n + n - 1).
/// </summary>
public static class ContactsTable
{
    public const string FileName = "contacts.parquet";
    public const string LengthColumn = "length";
    public const string ContactsColumn = "contacts";

    /// <summary>The file in <paramref name="directory"/> (an output folder or one part of it).</summary>
    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>A streaming writer of the table at <paramref name="directory"/>.</summary>
    public static StateParquetWriter Create(string directory, int valuesPerRowGroup = StateParquetWriter.DefaultValuesPerRowGroup) =>
        new(PathIn(directory), [LengthColumn], ContactsColumn, valuesPerRowGroup);
}
