using System.Collections.Immutable;
using System.Globalization;

namespace ProtSt.Model.Outputs;

/// <summary>
/// Which outputs a batch should produce and, for <see cref="OutputKind.Layers"/>, of which layers. Equality compares
/// the layer list element by element, so equal requests are equal after a serializer round trip.
/// </summary>
public sealed record OutputRequest
{
    /// <summary>What every batch produced before requests existed: the pooled embedding, and the head's output when the model has a head.</summary>
    public static OutputRequest Default { get; } = new();

    public OutputKind Kinds { get; init; } = OutputKind.Pooled | OutputKind.Head;

    /// <summary>
    /// Layers in fair-esm's numbering: 0 is the embedding output, L the last layer after the final norm, and a negative
    /// number counts from the end (-1 is L). Empty (or default) means the last layer only.
    /// </summary>
    public ImmutableArray<int> Layers { get; init; } = [];

    /// <summary>This request with <paramref name="kinds"/> added.</summary>
    public OutputRequest And(OutputKind kinds) => this with { Kinds = Kinds | kinds };

    /// <summary>True when the request includes every kind in <paramref name="kinds"/>.</summary>
    public bool Wants(OutputKind kinds) => (Kinds & kinds) == kinds;

    /// <summary>
    /// The requested layers as numbers 0..<paramref name="layerCount"/>, in request order without repeats; fails naming
    /// the layer when one lies outside the model.
    /// </summary>
    public IReadOnlyList<int> ResolveLayers(int layerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layerCount);
        if (Layers.IsDefaultOrEmpty)
        {
            return [layerCount];
        }

        var resolved = new List<int>(Layers.Length);
        foreach (var layer in Layers)
        {
            var number = layer < 0 ? layerCount + 1 + layer : layer;
            if (number < 0 || number > layerCount)
            {
                // The fault is in the request, not the layer count, so no parameter is named.
                throw new ArgumentException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Layer {layer} does not exist: the model has {layerCount} layers, numbered 0 (embeddings) to {layerCount} (last), or -1 to -{layerCount + 1} from the end."));
            }

            if (!resolved.Contains(number))
            {
                resolved.Add(number);
            }
        }

        return resolved;
    }

    public bool Equals(OutputRequest? other) =>
        other is not null && Kinds == other.Kinds && LayersOrEmpty().SequenceEqual(other.LayersOrEmpty());

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kinds);
        foreach (var layer in LayersOrEmpty())
        {
            hash.Add(layer);
        }

        return hash.ToHashCode();
    }

    // A deserializer may leave the array default rather than empty; both mean "last layer only".
    private ImmutableArray<int> LayersOrEmpty() => Layers.IsDefault ? [] : Layers;
}
