namespace ProtSt.Grains;

/// <summary>What a job is, as its aggregator records it.</summary>
[GenerateSerializer, Immutable]
public sealed record JobStart([property: Id(0)] string ModelDirectory, [property: Id(1)] string Input, [property: Id(2)] long? ExpectedRecords);
