using System.Globalization;

namespace ProtSt.Model.Onnx;

/// <summary>
/// How one checkpoint family names the tensors of a <see cref="TransformerBlockSpec"/>'s parts: module names (without
/// <c>.weight</c>/<c>.bias</c>) by layer index, under the encoder's prefix. A new family adds one of these.
/// </summary>
internal sealed record BlockWeightNames
{
    /// <summary>The query projection, when the checkpoint stores it apart (else <see cref="PackedQkvSource"/>).</summary>
    public Func<int, string>? Query { get; init; }

    public Func<int, string>? Key { get; init; }

    public Func<int, string>? Value { get; init; }

    /// <summary>
    /// One Linear [3·d, d] holding the query, key and value projections stacked in that order (ESM C's
    /// <c>layernorm_qkv.1</c>), when the checkpoint packs them; <see cref="Query"/>, <see cref="Key"/> and
    /// <see cref="Value"/> are unused then.
    /// </summary>
    public Func<int, string>? PackedQkvSource { get; init; }

    /// <summary>What the graph calls the query, key and value projections packed into one MatMul.</summary>
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

    /// <summary>
    /// The <c>esm</c> package's <c>ESMC</c> module (biohub/esmc-*-2024-12): the attention's pre-norm and packed QKV are
    /// <c>layernorm_qkv.0</c> and <c>.1</c>, the feed-forward's norm, up and down projections <c>ffn.0</c>, <c>.1</c>, <c>.3</c>.
    /// </summary>
    public static BlockWeightNames EsmC { get; } = new()
    {
        PackedQkvSource = i => Block(i, "attn.layernorm_qkv.1"),
        PackedQkv = i => Block(i, "attn.layernorm_qkv.1"),
        AttentionOutput = i => Block(i, "attn.out_proj"),
        AttentionNorm = i => Block(i, "attn.layernorm_qkv.0"),
        QueryNorm = i => Block(i, "attn.q_ln"),
        KeyNorm = i => Block(i, "attn.k_ln"),
        FeedForwardUp = i => Block(i, "ffn.1"),
        FeedForwardDown = i => Block(i, "ffn.3"),
        FeedForwardNorm = i => Block(i, "ffn.0"),
        FinalNorm = "transformer.norm",
    };

    /// <summary>The first block's packed QKV: the tensor that marks an ESMC state dict.</summary>
    public static string EsmCMarker => EsmC.PackedQkvSource!(0) + ".weight";

    private static string Block(int index, string suffix) => string.Create(CultureInfo.InvariantCulture, $"transformer.blocks.{index}.{suffix}");

    private static string Layer(int index, string suffix) => string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{index}.{suffix}");
}
