namespace ProtSt.Grains;

/// <summary>Prompts for the text tower of a zero-shot model folder.</summary>
[GenerateSerializer, Immutable]
public sealed record TextEmbeddingRequest([property: Id(0)] string ModelDirectory, [property: Id(1)] IReadOnlyList<string> Prompts);
