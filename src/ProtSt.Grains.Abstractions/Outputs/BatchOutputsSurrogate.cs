namespace ProtSt.Grains;

/// <summary>The wire form of <see cref="Model.Outputs.BatchOutputs"/>: its dimensions and row-major arrays, each exactly as long as they say.</summary>
[GenerateSerializer, Immutable]
public readonly record struct BatchOutputsSurrogate(
    [property: Id(0)] int BatchSize,
    [property: Id(1)] int SequenceLength,
    [property: Id(2)] int HiddenSize,
    [property: Id(3)] float[] Pooled,
    [property: Id(4)] float[]? Head,
    [property: Id(5)] int HeadWidth,
    [property: Id(6)] float[]? Residues,
    [property: Id(7)] int[]? LayerNumbers,
    [property: Id(8)] float[]? LayerPooled,
    [property: Id(9)] float[]? LayerResidues,
    [property: Id(10)] float[]? Contacts,
    [property: Id(11)] float[]? LayerBos);
