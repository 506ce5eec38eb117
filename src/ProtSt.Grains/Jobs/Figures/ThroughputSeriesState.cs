namespace ProtSt.Grains.Jobs.Figures;

/// <summary>A <see cref="ThroughputSeries"/> as stored with a job's figures: the bucket width and each bucket's counts.</summary>
[GenerateSerializer]
public sealed record ThroughputSeriesState(
    [property: Id(0)] TimeSpan Width,
    [property: Id(1)] long[] Sequences,
    [property: Id(2)] long[] Residues);
