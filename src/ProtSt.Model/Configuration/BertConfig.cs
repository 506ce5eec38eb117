using System.Text.Json;

namespace ProtSt.Model.Configuration;

/// <summary>The fields of a Hugging Face <c>BertConfig</c> that determine the text encoder's computation.</summary>
public sealed record BertConfig
{
    public required int HiddenSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumHeads { get; init; }

    public required int IntermediateSize { get; init; }

    public required int VocabSize { get; init; }

    public required int MaxPositionEmbeddings { get; init; }

    public required int TypeVocabSize { get; init; }

    public required double LayerNormEps { get; init; }

    public required int PadTokenId { get; init; }

    public int HeadSize => HiddenSize / NumHeads;

    public static BertConfig Parse(JsonElement json, string source)
    {
        var reader = new ConfigReader(json, source);
        var hidden = reader.Int("hidden_size");
        var heads = reader.Int("num_attention_heads");
        if (hidden <= 0 || heads <= 0 || hidden % heads != 0)
        {
            throw new ModelConfigException($"{source}: hidden_size {hidden} must be a positive multiple of num_attention_heads {heads}.");
        }

        var activation = reader.String("hidden_act", "gelu");
        if (activation != "gelu")
        {
            throw new ModelConfigException($"{source}: hidden_act '{activation}' is not supported; the text encoder computes exact GELU ('gelu').");
        }

        var positions = reader.String("position_embedding_type", "absolute");
        if (positions != "absolute")
        {
            throw new ModelConfigException($"{source}: position_embedding_type '{positions}' is not supported; BERT text encoders use 'absolute'.");
        }

        var config = new BertConfig
        {
            HiddenSize = hidden,
            NumHeads = heads,
            NumLayers = reader.Int("num_hidden_layers"),
            IntermediateSize = reader.Int("intermediate_size"),
            VocabSize = reader.Int("vocab_size"),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", 512),
            TypeVocabSize = reader.Int("type_vocab_size", 2),
            LayerNormEps = reader.Double("layer_norm_eps", 1e-12),
            PadTokenId = reader.Int("pad_token_id", 0),
        };
        if (config.NumLayers <= 0 || config.IntermediateSize <= 0 || config.VocabSize <= 0 || config.TypeVocabSize <= 0)
        {
            throw new ModelConfigException($"{source}: num_hidden_layers, intermediate_size, vocab_size and type_vocab_size must be positive.");
        }

        return config;
    }
}
