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
    /// <summary>Builds the text graph from a checkpoint's BERT tensors and the projection head under <paramref name="projectionPrefix"/>.</summary>
    public static ModelProto Build(Checkpoint checkpoint, BertConfig config, string projectionPrefix, TextGraphOptions options)
    {
        var weights = BertEncoderWeights.Locate(checkpoint, config);
        var projection = MlpHeadWeights.Locate(checkpoint, projectionPrefix, config.HiddenSize);
        weights.RequireHalfRange = options.Precision == WeightPrecision.Fp16;
        var g = new OnnxGraphBuilder("protst_text", options.Precision);
        var ops = new WeightOps(g, weights);
        long d = config.HiddenSize;
        var eps = (float)config.LayerNormEps;

        var ids = g.Input(GraphContract.InputIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(GraphContract.AttentionMask, DataType.Int64, "batch", "sequence");
        var maskFloat = g.Node("Cast", [mask], "attention_mask_float", Attributes.Int("to", (long)DataType.Float));
        var axis1 = g.Int64Constant("axis_1", 1);
        var axis2 = g.Int64Constant("axis_2", 2);
        var one = g.FloatScalar("one", 1f);

        // Positions 0..T-1 and token type 0 for every token, as BERT assigns a single-segment input.
        var zero = g.Int64Constant("zero", 0);
        var length = g.Node("Squeeze", [g.Node("Slice", [g.Node("Shape", [ids]), axis1, axis2, zero]), zero], "sequence_length");
        var positions = g.Node("Range", [g.Node("Squeeze", [zero, zero]), length, g.Node("Squeeze", [g.Int64Constant("step", 1), zero])]);
        var words = g.Node("Gather", [g.FloatWeight(weights.Prefix + "embeddings.word_embeddings.weight", weights.Matrix("embeddings.word_embeddings.weight", config.VocabSize, d), config.VocabSize, d), ids]);
        var positionTable = g.FloatWeight(weights.Prefix + "embeddings.position_embeddings.weight", weights.Matrix("embeddings.position_embeddings.weight", config.MaxPositionEmbeddings, d), config.MaxPositionEmbeddings, d);
        var typeZero = g.FloatWeight(weights.Prefix + "embeddings.token_type_embeddings.row0", weights.Matrix("embeddings.token_type_embeddings.weight", config.TypeVocabSize, d)[..(int)d], d);
        var x = g.Node("Add", [g.Node("Add", [words, g.Node("Gather", [positionTable, positions])]), typeZero]);
        x = ops.LayerNorm(g.ToCompute(x), "embeddings.LayerNorm", d, eps);

        // Masked keys get the most negative float, as Hugging Face's extended attention mask does.
        var bias = g.Node("Mul", [g.Node("Sub", [one, maskFloat]), g.FloatScalar("mask_filter", float.MinValue)]);
        var attentionBias = g.Node("Unsqueeze", [g.Node("Unsqueeze", [bias, axis1]), axis1]);
        var headShape = g.Int64Constant("head_shape", 0, 0, config.NumHeads, config.HeadSize);
        var modelShape = g.Int64Constant("model_shape", 0, 0, d);
        var scale = g.ComputeScalar("query_scale", (float)Math.Pow(config.HeadSize, -0.5));
        for (var i = 0; i < config.NumLayers; i++)
        {
            string Heads(string projection, params long[] perm) =>
                g.Node("Transpose", [g.Node("Reshape", [ops.Linear(x, BertEncoderWeights.Layer(i, $"attention.self.{projection}"), d, d), headShape])], null, Attributes.Ints("perm", perm));
            var q = g.Node("Mul", [Heads("query", 0, 2, 1, 3), scale]);
            var kt = Heads("key", 0, 2, 3, 1);
            var v = Heads("value", 0, 2, 1, 3);
            var probabilities = ops.MaskedSoftmax(g.Node("MatMul", [q, kt]), attentionBias);
            var context = g.Node("Reshape", [g.Node("Transpose", [g.Node("MatMul", [probabilities, v])], null, Attributes.Ints("perm", 0, 2, 1, 3)), modelShape]);
            var attention = ops.Linear(context, BertEncoderWeights.Layer(i, "attention.output.dense"), d, d);
            x = ops.LayerNorm(g.Node("Add", [attention, x]), BertEncoderWeights.Layer(i, "attention.output.LayerNorm"), d, eps);
            var up = ops.Gelu(ops.Linear(x, BertEncoderWeights.Layer(i, "intermediate.dense"), config.IntermediateSize, d));
            var down = ops.Linear(up, BertEncoderWeights.Layer(i, "output.dense"), d, config.IntermediateSize);
            x = ops.LayerNorm(g.Node("Add", [down, x]), BertEncoderWeights.Layer(i, "output.LayerNorm"), d, eps);
        }

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
