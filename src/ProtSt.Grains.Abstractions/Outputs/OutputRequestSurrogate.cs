namespace ProtSt.Grains;

/// <summary>The wire form of an <see cref="Model.Outputs.OutputRequest"/>: the model runtime's contract knows nothing of Orleans.</summary>
[GenerateSerializer, Immutable]
public readonly record struct OutputRequestSurrogate(
    [property: Id(0)] int Kinds,
    [property: Id(1)] int[]? Layers);
