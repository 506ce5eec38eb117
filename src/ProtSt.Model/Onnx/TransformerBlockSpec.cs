using ProtSt.Model.Configuration;

namespace ProtSt.Model.Onnx;

/// <summary>
/// What every layer of an encoder's transformer stack computes, independent of how a checkpoint names its tensors
/// (<see cref="BlockWeightNames"/>): the one description the layer loop (<see cref="TransformerLayers"/>) is built from.
/// </summary>
public sealed record TransformerBlockSpec
{
    public required int Layers { get; init; }

    public required int Width { get; init; }

    public required int Heads { get; init; }

    /// <summary>The feed-forward hidden width (for <see cref="FeedForwardKind.SwiGlu"/>, the width after gating).</summary>
    public required int FeedForwardWidth { get; init; }

    public required float NormEpsilon { get; init; }

    public PositionKind Positions { get; init; } = PositionKind.Learned;

    public NormPlacement Norm { get; init; } = NormPlacement.Before;

    /// <summary>LayerNorm (weight only, no bias) over the full width of the query and of the key projections before rotation (ESM C).</summary>
    public bool QkNorm { get; init; }

    public FeedForwardKind FeedForward { get; init; } = FeedForwardKind.Gelu;

    /// <summary>Whether the block's Linears have biases (ESM C's have none; the two branch LayerNorms always have one).</summary>
    public bool LinearBiases { get; init; } = true;

    /// <summary>Each residual branch is divided by this before it is added (ESM C: √(layers/36)); 1 adds it as is.</summary>
    public double ResidualScale { get; init; } = 1;

    /// <summary>A LayerNorm after the last layer (ESM's <c>emb_layer_norm_after</c>; BERT has none).</summary>
    public bool FinalNorm { get; init; }

    public bool FinalNormBias { get; init; } = true;

    public int HeadSize => Width / Heads;

    /// <summary>ESM-2 and ESM-1b: pre-LN, GELU, biases everywhere, a final norm; positions as the config says.</summary>
    public static TransformerBlockSpec Esm(EsmConfig config) => new()
    {
        Layers = config.NumLayers,
        Width = config.HiddenSize,
        Heads = config.NumHeads,
        FeedForwardWidth = config.IntermediateSize,
        NormEpsilon = (float)config.LayerNormEps,
        Positions = config.PositionEmbedding == EsmPositionEmbedding.Rotary ? PositionKind.Rotary : PositionKind.Learned,
        Norm = NormPlacement.Before,
        FinalNorm = true,
    };

    /// <summary>BERT: post-LN, GELU, learned positions, biases everywhere, no final norm.</summary>
    public static TransformerBlockSpec Bert(BertConfig config) => new()
    {
        Layers = config.NumLayers,
        Width = config.HiddenSize,
        Heads = config.NumHeads,
        FeedForwardWidth = config.IntermediateSize,
        NormEpsilon = (float)config.LayerNormEps,
        Positions = PositionKind.Learned,
        Norm = NormPlacement.After,
        FinalNorm = false,
    };

    /// <summary>
    /// ESM C (ESM Cambrian): pre-LN, QK norms, SwiGLU, no Linear biases, rotary positions over 64-wide heads, each
    /// branch divided by √(layers/36), a final norm without bias (esm/layers/blocks.py and transformer_stack.py).
    /// </summary>
    public static TransformerBlockSpec EsmC(int layers, int width, int heads, int feedForwardWidth) => new()
    {
        Layers = layers,
        Width = width,
        Heads = heads,
        FeedForwardWidth = feedForwardWidth,
        NormEpsilon = 1e-5f,
        Positions = PositionKind.Rotary,
        Norm = NormPlacement.Before,
        QkNorm = true,
        FeedForward = FeedForwardKind.SwiGlu,
        LinearBiases = false,
        ResidualScale = Math.Sqrt(layers / 36.0),
        FinalNorm = true,
        FinalNormBias = false,
    };

    /// <summary>A short description for error messages and graph doc strings.</summary>
    public string Describe() => $"{Layers} layers, {Width} wide, {Heads} heads, {FeedForwardWidth} feed-forward";
}
