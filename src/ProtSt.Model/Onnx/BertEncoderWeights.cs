using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;

namespace ProtSt.Model.Onnx;

/// <summary>A BERT text encoder's tensors under Hugging Face names (no pooler), checked against its config.</summary>
internal sealed class BertEncoderWeights : PrefixedWeights
{
    private readonly BertConfig _config;

    private BertEncoderWeights(Checkpoint checkpoint, BertConfig config, string prefix)
        : base(checkpoint, prefix)
    {
        _config = config;
    }

    /// <summary>Finds the BERT encoder (e.g. under <c>text_model.bert.</c>) and verifies every tensor it needs.</summary>
    public static BertEncoderWeights Locate(Checkpoint checkpoint, BertConfig config, string? prefix = null)
    {
        prefix ??= DetectPrefix(checkpoint);
        var weights = new BertEncoderWeights(checkpoint, config, prefix);
        weights.Validate();
        return weights;
    }

    // BERT has token-type embeddings; ESM has none, so this marker never picks the protein tower.
    private static string DetectPrefix(Checkpoint checkpoint) =>
        DetectPrefix(checkpoint, "embeddings.token_type_embeddings.weight", "BERT text encoder");

    protected override IEnumerable<(string Name, long[] Shape)> Expected()
    {
        long d = _config.HiddenSize;
        long f = _config.IntermediateSize;
        yield return ("embeddings.word_embeddings.weight", [_config.VocabSize, d]);
        yield return ("embeddings.position_embeddings.weight", [_config.MaxPositionEmbeddings, d]);
        yield return ("embeddings.token_type_embeddings.weight", [_config.TypeVocabSize, d]);
        yield return ("embeddings.LayerNorm.weight", [d]);
        yield return ("embeddings.LayerNorm.bias", [d]);
        for (var i = 0; i < _config.NumLayers; i++)
        {
            foreach (var projection in new[] { "query", "key", "value" })
            {
                yield return (Layer(i, $"attention.self.{projection}.weight"), [d, d]);
                yield return (Layer(i, $"attention.self.{projection}.bias"), [d]);
            }

            yield return (Layer(i, "attention.output.dense.weight"), [d, d]);
            yield return (Layer(i, "attention.output.dense.bias"), [d]);
            yield return (Layer(i, "attention.output.LayerNorm.weight"), [d]);
            yield return (Layer(i, "attention.output.LayerNorm.bias"), [d]);
            yield return (Layer(i, "intermediate.dense.weight"), [f, d]);
            yield return (Layer(i, "intermediate.dense.bias"), [f]);
            yield return (Layer(i, "output.dense.weight"), [d, f]);
            yield return (Layer(i, "output.dense.bias"), [d]);
            yield return (Layer(i, "output.LayerNorm.weight"), [d]);
            yield return (Layer(i, "output.LayerNorm.bias"), [d]);
        }
    }

    protected override string Describe() =>
        $"the text config ({_config.NumLayers} layers, {_config.HiddenSize} wide, {_config.IntermediateSize} intermediate, vocabulary {_config.VocabSize})";
}
