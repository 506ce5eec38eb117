using System.Text.Json;

namespace ProtSt.Model.Configuration;

/// <summary>The fields of a Hugging Face <c>EsmConfig</c> that determine the encoder's computation.</summary>
public sealed record EsmConfig
{
    public required int HiddenSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumHeads { get; init; }

    public required int IntermediateSize { get; init; }

    public required double LayerNormEps { get; init; }

    public required EsmPositionEmbedding PositionEmbedding { get; init; }

    public required bool EmbLayerNormBefore { get; init; }

    public required bool TokenDropout { get; init; }

    public required int PadTokenId { get; init; }

    public required int MaskTokenId { get; init; }

    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>The vocabulary in id order, when the config carries it (<c>vocab_list</c>).</summary>
    public IReadOnlyList<string>? VocabList { get; init; }

    public int HeadSize => HiddenSize / NumHeads;

    /// <summary>
    /// The most residues one sequence may have: positions run from <c>pad+1</c> for <c>&lt;cls&gt;</c> to
    /// <c>pad+len+2</c> for <c>&lt;eos&gt;</c>, which must stay inside the position table (1022 for the published models).
    /// </summary>
    public int MaxResidues => MaxPositionEmbeddings - PadTokenId - 3;

    public static EsmConfig Parse(JsonElement json, string source)
    {
        var reader = new ConfigReader(json, source);
        var hidden = reader.Int("hidden_size");
        var heads = reader.Int("num_attention_heads");
        if (hidden <= 0 || heads <= 0 || hidden % heads != 0)
        {
            throw new ModelConfigException($"{source}: hidden_size {hidden} must be a positive multiple of num_attention_heads {heads}.");
        }

        var positionType = reader.String("position_embedding_type", "absolute");
        var position = positionType switch
        {
            "rotary" => EsmPositionEmbedding.Rotary,
            "absolute" => EsmPositionEmbedding.Absolute,
            _ => throw new ModelConfigException($"{source}: position_embedding_type '{positionType}' is not supported (expected 'rotary' or 'absolute')."),
        };

        if (position == EsmPositionEmbedding.Rotary && (hidden / heads) % 2 != 0)
        {
            throw new ModelConfigException($"{source}: rotary embeddings need an even head size, got {hidden / heads}.");
        }

        var act = reader.String("hidden_act", "gelu");
        if (act != "gelu")
        {
            throw new ModelConfigException($"{source}: hidden_act '{act}' is not supported; ESM encoders use exact (erf) 'gelu'.");
        }

        var config = new EsmConfig
        {
            HiddenSize = hidden,
            NumLayers = reader.Int("num_hidden_layers"),
            NumHeads = heads,
            IntermediateSize = reader.Int("intermediate_size"),
            LayerNormEps = reader.Double("layer_norm_eps", 1e-12),
            PositionEmbedding = position,
            EmbLayerNormBefore = reader.Bool("emb_layer_norm_before", false),
            TokenDropout = reader.Bool("token_dropout", false),
            PadTokenId = reader.Int("pad_token_id", 1),
            MaskTokenId = reader.Int("mask_token_id", 32),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", 1026),
            VocabList = reader.StringList("vocab_list"),
        };

        if (config.NumLayers <= 0 || config.IntermediateSize <= 0)
        {
            throw new ModelConfigException($"{source}: num_hidden_layers and intermediate_size must be positive.");
        }

        if (config.MaxResidues < 1)
        {
            throw new ModelConfigException($"{source}: max_position_embeddings {config.MaxPositionEmbeddings} leaves no room for residues.");
        }

        return config;
    }
}
