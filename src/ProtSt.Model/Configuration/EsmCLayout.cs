using System.Globalization;
using System.Text.RegularExpressions;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Onnx;

namespace ProtSt.Model.Configuration;

/// <summary>
/// An ESM C (ESM Cambrian) state dict in the <c>esm</c> package's layout, whose shape comes from its tensors: the
/// biohub/esmc-*-2024-12 repositories ship no config.json.
/// </summary>
public static partial class EsmCLayout
{
    /// <summary>Every published ESM C (300M, 600M, 6B) has 64-wide heads; the code derives heads as width / 64.</summary>
    public const int HeadWidth = 64;

    /// <summary>
    /// The longest token sequence (<c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> included) ESM C was trained on: 2,048, its
    /// final training stage's context (docs/models.md says where this comes from).
    /// </summary>
    public const int MaxTokens = 2048;

    /// <summary>ESM C's token ids: ESM-2's alphabet with <c>|</c> (chain break) where ESM-2 has <c>&lt;null_1&gt;</c>.</summary>
    public static IReadOnlyList<string> Vocabulary { get; } =
    [
        "<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E", "R", "T", "I", "D", "P", "K", "Q", "N", "F", "Y",
        "M", "H", "W", "C", "X", "B", "U", "Z", "O", ".", "-", "|", "<mask>",
    ];

    /// <summary>Whether the checkpoint holds an ESMC module's blocks (under any prefix).</summary>
    public static bool Matches(Checkpoint checkpoint) =>
        checkpoint.Tensors.Keys.Any(k => k.EndsWith(BlockWeightNames.EsmCMarker, StringComparison.Ordinal));

    /// <summary>
    /// The encoder's shape from the tensors under <paramref name="prefix"/>: width from <c>embed</c>, depth from the
    /// highest block index + 1 (a gap is then named as missing), feed-forward width from <c>ffn.3</c>, heads = width / 64. Shapes are checked in full later.
    /// </summary>
    public static EsmConfig Read(Checkpoint checkpoint, string prefix, string source)
    {
        var embed = Tensor(checkpoint, prefix + "embed.weight", source);
        if (embed.Shape.Count != 2)
        {
            throw new CheckpointFormatException($"{source}: '{prefix}embed.weight' is {embed.ShapeText}, expected [vocabulary, width].");
        }

        var width = (int)embed.Shape[1];
        if (width % HeadWidth != 0)
        {
            throw new CheckpointFormatException($"{source}: ESM C's width {width} is not a multiple of its {HeadWidth}-wide heads.");
        }

        var layers = checkpoint.Tensors.Keys
            .Select(k => k.StartsWith(prefix, StringComparison.Ordinal) ? BlockIndex().Match(k[prefix.Length..]) : Match.Empty)
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .DefaultIfEmpty(-1)
            .Max() + 1;
        var down = Tensor(checkpoint, prefix + BlockWeightNames.EsmC.FeedForwardDown(0) + ".weight", source);
        return new EsmConfig
        {
            HiddenSize = width,
            NumLayers = layers,
            NumHeads = width / HeadWidth,
            IntermediateSize = down.Shape.Count == 2 ? (int)down.Shape[1] : 0,
            LayerNormEps = 1e-5,
            PositionEmbedding = EsmPositionEmbedding.Rotary,
            EmbLayerNormBefore = false,
            TokenDropout = false,
            PadTokenId = 1,
            MaskTokenId = 32,

            // EsmConfig counts residues as positions - pad - 3 (Hugging Face ESM's offset); this gives MaxTokens - 2.
            MaxPositionEmbeddings = MaxTokens + 2,
            VocabList = Vocabulary,
        };
    }

    private static CheckpointTensor Tensor(Checkpoint checkpoint, string name, string source) =>
        checkpoint.Tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new CheckpointFormatException($"{source}: an ESM C checkpoint needs '{name}'.");

    [GeneratedRegex(@"^transformer\.blocks\.(\d+)\.attn\.layernorm_qkv\.1\.weight$")]
    private static partial Regex BlockIndex();
}
