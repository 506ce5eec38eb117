namespace ProtSt.Grains;

/// <summary>
/// What a finished part holds (also its <c>part.json</c>): records, rows written, device failures, distinct sequences
/// computed for it, and for labelled jobs the (true, predicted) class pairs of its rows.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PartResult(
    [property: Id(0)] string JobId,
    [property: Id(1)] int ShardIndex,
    [property: Id(2)] long FirstRecord,
    [property: Id(3)] int Records,
    [property: Id(4)] int Rows,
    [property: Id(5)] int Failures,
    [property: Id(6)] int Computed,
    [property: Id(7)] int[] Actual,
    [property: Id(8)] int[] Predicted);
