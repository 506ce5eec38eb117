namespace ProtSt.Pipeline;

/// <summary>One row of <c>failures.tsv</c>: a record the devices failed on even alone, its length and the error.</summary>
public sealed record FailureRow(string Id, int Length, string Error);
