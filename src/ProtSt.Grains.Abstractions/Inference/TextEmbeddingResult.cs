namespace ProtSt.Grains;

/// <summary>Text features of the prompts, in their order, row-major [Count, Width].</summary>
[GenerateSerializer, Immutable]
public sealed record TextEmbeddingResult([property: Id(0)] int Count, [property: Id(1)] int Width, [property: Id(2)] float[] Features);
