using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Onnx;

/// <summary>
/// An encoder's tensors in a checkpoint: the family's embedding tensors plus every tensor its
/// <see cref="TransformerBlockSpec"/> needs under the family's <see cref="BlockWeightNames"/>, all checked before any
/// graph is built.
/// </summary>
internal sealed class EncoderWeights : PrefixedWeights
{
    private readonly IReadOnlyList<(string Name, long[] Shape)> _embeddings;
    private readonly string _description;

    private EncoderWeights(
        Checkpoint checkpoint, string prefix, TransformerBlockSpec spec, BlockWeightNames names, IReadOnlyList<(string Name, long[] Shape)> embeddings, string description)
        : base(checkpoint, prefix)
    {
        Spec = spec;
        Names = names;
        _embeddings = embeddings;
        _description = description;
    }

    public TransformerBlockSpec Spec { get; }

    public BlockWeightNames Names { get; }

    /// <summary>
    /// Verifies that the checkpoint holds the embedding tensors <paramref name="embeddings"/> and every block tensor
    /// with the right shape; <paramref name="description"/> names the model in errors.
    /// </summary>
    public static EncoderWeights Locate(
        Checkpoint checkpoint, string prefix, TransformerBlockSpec spec, BlockWeightNames names, IReadOnlyList<(string Name, long[] Shape)> embeddings, string description)
    {
        var weights = new EncoderWeights(checkpoint, prefix, spec, names, embeddings, description);
        weights.Validate();
        return weights;
    }

    /// <summary>
    /// The rows of the token embedding <paramref name="name"/>: the one truth about the vocabulary size. A vocabulary
    /// the tokenizer declares larger (<paramref name="declared"/>) would index past the table and is refused; 0 when the
    /// tensor is missing (validation then names it).
    /// </summary>
    public static long VocabularyRows(Checkpoint checkpoint, string prefix, string name, int? declared)
    {
        if (!checkpoint.Tensors.TryGetValue(prefix + name, out var tensor) || tensor.Shape.Count != 2)
        {
            return 0;
        }

        var rows = tensor.Shape[0];
        return declared is { } count && count > rows
            ? throw new CheckpointFormatException($"The vocabulary has {count} tokens but '{prefix + name}' has only {rows} rows.")
            : rows;
    }

    protected override IEnumerable<(string Name, long[] Shape)> Expected()
    {
        foreach (var embedding in _embeddings)
        {
            yield return embedding;
        }

        long d = Spec.Width;
        long f = Spec.FeedForwardWidth;
        long up = Spec.FeedForward == FeedForwardKind.SwiGlu ? 2 * f : f;
        for (var i = 0; i < Spec.Layers; i++)
        {
            foreach (var (module, shape) in LayerLinears(i, d, f, up))
            {
                yield return (module + ".weight", shape);
                if (Spec.LinearBiases)
                {
                    yield return (module + ".bias", [shape[0]]);
                }
            }

            foreach (var norm in new[] { Names.AttentionNorm(i), Names.FeedForwardNorm(i) })
            {
                yield return (norm + ".weight", [d]);
                yield return (norm + ".bias", [d]);
            }

            if (Spec.QkNorm)
            {
                // QK norms have a weight and no bias (ESM C's LayerNorm(bias=False)).
                yield return (Separate(Names.QueryNorm, i) + ".weight", [d]);
                yield return (Separate(Names.KeyNorm, i) + ".weight", [d]);
            }
        }

        if (Spec.FinalNorm)
        {
            var norm = Names.FinalNorm ?? throw new InvalidOperationException("The block has a final norm but its weight names give none.");
            yield return (norm + ".weight", [d]);
            if (Spec.FinalNormBias)
            {
                yield return (norm + ".bias", [d]);
            }
        }
    }

    protected override string Describe() => $"{_description} ({Spec.Describe()})";

    /// <summary>The rotary inverse frequencies the checkpoint stores, or the standard ones when it stores none.</summary>
    public float[] RotaryInverseFrequencies()
    {
        var half = Spec.HeadSize / 2;
        if (Names.RotaryInverseFrequencies is { } name && Has(name))
        {
            return Vector(name, half);
        }

        var result = new float[half];
        for (var i = 0; i < half; i++)
        {
            result[i] = (float)(1.0 / Math.Pow(10000, 2.0 * i / Spec.HeadSize));
        }

        return result;
    }

    /// <summary>The query, key and value weights of layer <paramref name="layer"/>, each [d, d] ([out, in]).</summary>
    public (float[] Query, float[] Key, float[] Value) QkvWeights(int layer)
    {
        long d = Spec.Width;
        if (Names.PackedQkvSource is { } packed)
        {
            // Stacked [q; k; v] rows: the three [d, d] blocks follow each other in row-major order.
            var all = Matrix(packed(layer) + ".weight", 3 * d, d);
            var block = (int)(d * d);
            return (all[..block], all[block..(2 * block)], all[(2 * block)..]);
        }

        return (Matrix(Separate(Names.Query, layer) + ".weight", d, d), Matrix(Separate(Names.Key, layer) + ".weight", d, d), Matrix(Separate(Names.Value, layer) + ".weight", d, d));
    }

    /// <summary>The query, key and value biases of layer <paramref name="layer"/> side by side [3·d].</summary>
    public float[] QkvBias(int layer)
    {
        long d = Spec.Width;
        return Names.PackedQkvSource is { } packed
            ? Vector(packed(layer) + ".bias", 3 * d)
            : [.. Vector(Separate(Names.Query, layer) + ".bias", d), .. Vector(Separate(Names.Key, layer) + ".bias", d), .. Vector(Separate(Names.Value, layer) + ".bias", d)];
    }

    private static string Separate(Func<int, string>? name, int layer) =>
        (name ?? throw new InvalidOperationException("The block needs a module its weight names do not give."))(layer);

    private IEnumerable<(string Module, long[] Shape)> LayerLinears(int i, long d, long f, long up)
    {
        if (Names.PackedQkvSource is { } packed)
        {
            yield return (packed(i), [3 * d, d]);
        }
        else
        {
            yield return (Separate(Names.Query, i), [d, d]);
            yield return (Separate(Names.Key, i), [d, d]);
            yield return (Separate(Names.Value, i), [d, d]);
        }

        yield return (Names.AttentionOutput(i), [d, d]);
        yield return (Names.FeedForwardUp(i), [up, d]);
        yield return (Names.FeedForwardDown(i), [d, f]);
    }
}
