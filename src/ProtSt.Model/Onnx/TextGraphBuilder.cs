using Onnx;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Model.Onnx;

/// <summary>
/// Builds the ONNX graph of ProtST's text tower: a BERT encoder (post-LN layers, exact GELU, token type 0), the mean of
/// the last hidden state over tokens other than padding and the excluded special tokens, and the <c>text_mlp</c>
/// projection into the shared protein–text space.
/// </summary>
public static class TextGraphBuilder
{
    private const string WordEmbeddings = "embeddings.word_embeddings.weight";
    private const string PositionEmbeddings = "embeddings.position_embeddings.weight";
    private const string TokenTypeEmbeddings = "embeddings.token_type_embeddings.weight";
    private const string EmbeddingNorm = "embeddings.LayerNorm";

    /// <summary>Builds the text graph from a checkpoint's BERT tensors and the projection head under <paramref name="projectionPrefix"/>.</summary>
    public static ModelProto Build(Checkpoint checkpoint, BertConfig config, string projectionPrefix, TextGraphOptions options)
    {
        var names = BlockWeightNames.HuggingFaceBert;

        // BERT has token-type embeddings; ESM has none, so this marker never picks the protein tower.
        var prefix = PrefixedWeights.DetectPrefix(checkpoint, TokenTypeEmbeddings, "BERT text encoder");
        long d = config.HiddenSize;
        var vocabulary = EncoderWeights.VocabularyRows(checkpoint, prefix, WordEmbeddings, config.VocabSize);
        var weights = EncoderWeights.Locate(
            checkpoint,
            prefix,
            TransformerBlockSpec.Bert(config),
            names,
            [
                (WordEmbeddings, [vocabulary, d]),
                (PositionEmbeddings, [config.MaxPositionEmbeddings, d]),
                (TokenTypeEmbeddings, [config.TypeVocabSize, d]),
                (EmbeddingNorm + ".weight", [d]),
                (EmbeddingNorm + ".bias", [d]),
            ],
            $"the text config (vocabulary {config.VocabSize})");
        var projection = MlpHeadWeights.Locate(checkpoint, projectionPrefix, config.HiddenSize);
        weights.RequireHalfRange = options.Precision == WeightPrecision.Fp16;
        var g = new OnnxGraphBuilder("protst_text", options.Precision);
        var ops = new WeightOps(g, weights);
        var eps = (float)config.LayerNormEps;

        var ids = g.Input(GraphContract.InputIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(GraphContract.AttentionMask, DataType.Int64, "batch", "sequence");
        var maskFloat = g.Node("Cast", [mask], "attention_mask_float", Attributes.Int("to", (long)DataType.Float));
        var axis1 = g.Int64Constant("axis_1", 1);
        var axis2 = g.Int64Constant("axis_2", 2);

        // Positions 0..T-1 and token type 0 for every token, as BERT assigns a single-segment input.
        var zero = g.Int64Constant("zero", 0);
        var length = g.Node("Squeeze", [g.Node("Slice", [g.Node("Shape", [ids]), axis1, axis2, zero]), zero], "sequence_length");
        var positions = g.Node("Range", [g.Node("Squeeze", [zero, zero]), length, g.Node("Squeeze", [g.Int64Constant("step", 1), zero])]);
        var words = g.Node("Gather", [g.FloatWeight(weights.Prefix + WordEmbeddings, weights.Matrix(WordEmbeddings, vocabulary, d), vocabulary, d), ids]);
        var positionTable = g.FloatWeight(weights.Prefix + PositionEmbeddings, weights.Matrix(PositionEmbeddings, config.MaxPositionEmbeddings, d), config.MaxPositionEmbeddings, d);
        var typeZero = g.FloatWeight(weights.Prefix + "embeddings.token_type_embeddings.row0", weights.Matrix(TokenTypeEmbeddings, config.TypeVocabSize, d)[..(int)d], d);
        var x = g.Node("Add", [g.Node("Add", [words, g.Node("Gather", [positionTable, positions])]), typeZero]);
        x = ops.LayerNorm(g.ToCompute(x), EmbeddingNorm, d, eps);
        x = new TransformerLayers(g, weights).Emit(x, ids, mask, maskFloat, options.Variant, config.MaxPositionEmbeddings);

        x = g.ToFloat(x);
        g.Output(x, GraphContract.LastHiddenState, DataType.Float, "batch", "sequence", d);

        var pooled = maskFloat;
        foreach (var excluded in options.PoolingExcludedIds.Distinct())
        {
            var keep = g.Node("Cast", [g.Node("Not", [g.Node("Equal", [ids, g.Int64Constant(g.Fresh("excluded_id"), excluded)])])], null, Attributes.Int("to", (long)DataType.Float));
            pooled = g.Node("Mul", [pooled, keep]);
        }

        var sum = g.Node("ReduceSum", [g.Node("Mul", [x, g.Node("Unsqueeze", [pooled, axis2])]), axis1], null, Attributes.Int("keepdims", 0));
        var count = g.Node("Add", [g.Node("ReduceSum", [pooled, axis1], null, Attributes.Int("keepdims", 1)), g.FloatScalar("pooling_epsilon", options.PoolingEpsilon)]);
        var mean = g.Node("Div", [sum, count]);
        g.Output(mean, GraphContract.TextMeanEmbedding, DataType.Float, "batch", d);
        g.Output(projection.Emit(g, mean), GraphContract.TextFeature, DataType.Float, "batch", projection.OutputWidth);
        return g.Build(options.ProducerVersion, $"ProtST text tower (BERT {config.NumLayers}x{config.HiddenSize}, projection {projection.OutputWidth})");
    }
}
