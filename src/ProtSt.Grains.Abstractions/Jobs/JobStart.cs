namespace ProtSt.Grains;

/// <summary>What a job is, as its aggregator records it: the input size when known (for the ETA) and the class names when labels are known.</summary>
[GenerateSerializer, Immutable]
public sealed record JobStart(
    [property: Id(0)] string ModelDirectory,
    [property: Id(1)] string Input,
    [property: Id(2)] long? ExpectedRecords,
    [property: Id(3)] IReadOnlyList<string>? ClassNames = null);
