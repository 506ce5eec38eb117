namespace ProtSt.Grains;

/// <summary>
/// One silo's cumulative figures for a job, under a source id (the silo and its accumulator entry), at a version that
/// grows with every change. Each report carries the whole total, never a delta, so a repeated or reordered report
/// changes nothing and a new aggregator activation is brought up to date by the next one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobFiguresReport(
    [property: Id(0)] string Source,
    [property: Id(1)] long Version,
    [property: Id(2)] long PlannedBatches,
    [property: Id(3)] long ReportedBatches,
    [property: Id(4)] long Sequences,
    [property: Id(5)] long Residues,
    [property: Id(6)] long RealTokens,
    [property: Id(7)] long PaddedTokens,
    [property: Id(8)] IReadOnlyList<DeviceFigures> Devices);
