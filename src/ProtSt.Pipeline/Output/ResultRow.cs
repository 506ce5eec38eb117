namespace ProtSt.Pipeline;

/// <summary>
/// One row of <c>results.tsv</c>: a record's id, its length, whether the model saw it truncated, and for a screen that
/// predicts the top class name and one score (or probability) per class, in the order of the table's columns; under
/// <c>--long window</c>, how many windows the protein took.
/// </summary>
public sealed record ResultRow(string Id, int Length, bool Truncated, string? Label = null, float[]? Scores = null, int Windows = 1);
