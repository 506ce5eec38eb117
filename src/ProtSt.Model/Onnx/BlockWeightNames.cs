using System.Globalization;

namespace ProtSt.Model.Onnx;

/// <summary>
/// How one checkpoint family names the tensors of a <see cref="TransformerBlockSpec"/>'s parts: module names (without
/// <c>.weight</c>/<c>.bias</c>) by layer index, under the encoder's prefix. A new family adds one of these.
/// </summary>
internal sealed record BlockWeightNames
{
    public required Func<int, string> Query { get; init; }

    public required Func<int, string> Key { get; init; }

    public required Func<int, string> Value { get; init; }

    /// <summary>What the fused variant calls the query, key and value projections packed into one MatMul.</summary>
    public required Func<int, string> PackedQkv { get; init; }

    public required Func<int, string> AttentionOutput { get; init; }

    /// <summary>The norm of the attention branch: before it (pre-LN) or after its residual sum (post-LN).</summary>
    public required Func<int, string> AttentionNorm { get; init; }

    public required Func<int, string> FeedForwardUp { get; init; }

    public required Func<int, string> FeedForwardDown { get; init; }

    /// <summary>The norm of the feed-forward branch: before it (pre-LN) or after its residual sum (post-LN).</summary>
    public required Func<int, string> FeedForwardNorm { get; init; }

    public Func<int, string>? QueryNorm { get; init; }

    public Func<int, string>? KeyNorm { get; init; }

    public string? FinalNorm { get; init; }

    /// <summary>The rotary inverse frequencies, when the checkpoint stores them (the standard ones are used otherwise).</summary>
    public string? RotaryInverseFrequencies { get; init; }

    /// <summary>Hugging Face's <c>EsmModel</c> (ESM-2, ESM-1b, ProtST's protein tower).</summary>
    public static BlockWeightNames HuggingFaceEsm { get; } = new()
    {
        Query = i => Layer(i, "attention.self.query"),
        Key = i => Layer(i, "attention.self.key"),
        Value = i => Layer(i, "attention.self.value"),
        PackedQkv = i => Layer(i, "attention.self.qkv"),
        AttentionOutput = i => Layer(i, "attention.output.dense"),
        AttentionNorm = i => Layer(i, "attention.LayerNorm"),
        FeedForwardUp = i => Layer(i, "intermediate.dense"),
        FeedForwardDown = i => Layer(i, "output.dense"),
        FeedForwardNorm = i => Layer(i, "LayerNorm"),
        FinalNorm = "encoder.emb_layer_norm_after",
        RotaryInverseFrequencies = Layer(0, "attention.self.rotary_embeddings.inv_freq"),
    };

    /// <summary>Hugging Face's <c>BertModel</c> (ProtST's text tower).</summary>
    public static BlockWeightNames HuggingFaceBert { get; } = HuggingFaceEsm with
    {
        AttentionNorm = i => Layer(i, "attention.output.LayerNorm"),
        FeedForwardNorm = i => Layer(i, "output.LayerNorm"),
        FinalNorm = null,
        RotaryInverseFrequencies = null,
    };

    private static string Layer(int index, string suffix) => string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{index}.{suffix}");
}
