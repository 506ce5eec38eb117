namespace ProtSt.Grains;

/// <summary>The answer to an <see cref="EncodeRequest"/>: one result per sequence, in the request's order.</summary>
[GenerateSerializer, Immutable]
public sealed record EncodeResult([property: Id(0)] IReadOnlyList<EncodedSequenceResult> Sequences);
