namespace ProtSt.Grains;

/// <summary>A delta sent to the aggregator after each batch.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchReport(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] int Sequences,
    [property: Id(2)] long Residues,
    [property: Id(3)] long RealTokens,
    [property: Id(4)] long PaddedTokens,
    [property: Id(5)] TimeSpan Busy,
    [property: Id(6)] string Accelerator = "");
