namespace ProtSt.Grains;

/// <summary>A zero-shot job's label features (row-major [Labels, Width]) and ProtST's temperature, embedded once per job and sent with each shard.</summary>
[GenerateSerializer, Immutable]
public sealed record LabelScoring(
    [property: Id(0)] float[] LabelFeatures,
    [property: Id(1)] int Labels,
    [property: Id(2)] int Width,
    [property: Id(3)] double LogitScale);
