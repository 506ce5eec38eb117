namespace ProtSt.Grains;

/// <summary>A job's throughput over one stretch of its run, for the chart of throughput over time.</summary>
[GenerateSerializer, Immutable]
public sealed record ThroughputPoint(
    [property: Id(0)] TimeSpan Start,
    [property: Id(1)] TimeSpan Duration,
    [property: Id(2)] long Sequences,
    [property: Id(3)] long Residues)
{
    public double SequencesPerSecond => Duration > TimeSpan.Zero ? Sequences / Duration.TotalSeconds : 0;

    public double ResiduesPerSecond => Duration > TimeSpan.Zero ? Residues / Duration.TotalSeconds : 0;
}
