using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;

namespace ProtSt.Model.Onnx;

/// <summary>Looks up an ESM encoder's tensors in a checkpoint under Hugging Face names, checking every shape against the config.</summary>
internal sealed class EsmEncoderWeights : PrefixedWeights
{
    private readonly EsmConfig _config;

    private EsmEncoderWeights(Checkpoint checkpoint, EsmConfig config, string prefix)
        : base(checkpoint, prefix)
    {
        _config = config;
    }

    /// <summary>Finds the ESM encoder in a checkpoint and verifies that every tensor it needs is present with the right shape.</summary>
    public static EsmEncoderWeights Locate(Checkpoint checkpoint, EsmConfig config, string? prefix = null)
    {
        prefix ??= DetectPrefix(checkpoint);
        var weights = new EsmEncoderWeights(checkpoint, config, prefix);
        weights.Validate();
        return weights;
    }

    // A BERT text tower also has embeddings.word_embeddings, so require the ESM-only final layer norm too.
    private static string DetectPrefix(Checkpoint checkpoint) =>
        DetectPrefix(checkpoint, "encoder.emb_layer_norm_after.weight", "ESM encoder", "embeddings.word_embeddings.weight");

    protected override IEnumerable<(string Name, long[] Shape)> Expected()
    {
        long d = _config.HiddenSize;
        long f = _config.IntermediateSize;
        var vocab = (long)(_config.VocabList?.Count ?? Rows("embeddings.word_embeddings.weight"));
        yield return ("embeddings.word_embeddings.weight", [vocab, d]);
        if (_config.PositionEmbedding == EsmPositionEmbedding.Absolute)
        {
            yield return ("embeddings.position_embeddings.weight", [_config.MaxPositionEmbeddings, d]);
        }

        if (_config.EmbLayerNormBefore)
        {
            yield return ("embeddings.layer_norm.weight", [d]);
            yield return ("embeddings.layer_norm.bias", [d]);
        }

        for (var i = 0; i < _config.NumLayers; i++)
        {
            foreach (var projection in new[] { "query", "key", "value" })
            {
                yield return (Layer(i, $"attention.self.{projection}.weight"), [d, d]);
                yield return (Layer(i, $"attention.self.{projection}.bias"), [d]);
            }

            yield return (Layer(i, "attention.output.dense.weight"), [d, d]);
            yield return (Layer(i, "attention.output.dense.bias"), [d]);
            yield return (Layer(i, "attention.LayerNorm.weight"), [d]);
            yield return (Layer(i, "attention.LayerNorm.bias"), [d]);
            yield return (Layer(i, "intermediate.dense.weight"), [f, d]);
            yield return (Layer(i, "intermediate.dense.bias"), [f]);
            yield return (Layer(i, "output.dense.weight"), [d, f]);
            yield return (Layer(i, "output.dense.bias"), [d]);
            yield return (Layer(i, "LayerNorm.weight"), [d]);
            yield return (Layer(i, "LayerNorm.bias"), [d]);
        }

        yield return ("encoder.emb_layer_norm_after.weight", [d]);
        yield return ("encoder.emb_layer_norm_after.bias", [d]);
    }

    protected override string Describe() =>
        $"its config ({_config.NumLayers} layers, {_config.HiddenSize} wide, {_config.IntermediateSize} intermediate)";

    /// <summary>The rotary inverse frequencies the checkpoint stores, or the standard ones when it stores none.</summary>
    public float[] RotaryInverseFrequencies()
    {
        var name = Layer(0, "attention.self.rotary_embeddings.inv_freq");
        var half = _config.HeadSize / 2;
        if (Has(name))
        {
            return Vector(name, half);
        }

        var result = new float[half];
        for (var i = 0; i < half; i++)
        {
            result[i] = (float)(1.0 / Math.Pow(10000, 2.0 * i / _config.HeadSize));
        }

        return result;
    }
}
