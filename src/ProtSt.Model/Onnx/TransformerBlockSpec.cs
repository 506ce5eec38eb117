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

    /// <summary>LayerNorm over the full width of the query and of the key projections before rotation (ESM C).</summary>
    public bool QkNorm { get; init; }

    public FeedForwardKind FeedForward { get; init; } = FeedForwardKind.Gelu;

    /// <summary>Whether the block's Linears and LayerNorms have biases (ESM C has none).</summary>
    public bool Biases { get; init; } = true;

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

    /// <summary>A short description for error messages and graph doc strings.</summary>
    public string Describe() => $"{Layers} layers, {Width} wide, {Heads} heads, {FeedForwardWidth} feed-forward";
}
