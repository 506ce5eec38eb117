using Onnx;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Model.Onnx;

/// <summary>
/// Builds the ONNX graph of an ESM encoder (ESM-2 or ESM-1b) that computes what the reference PyTorch ESM computes at
/// inference: token-dropout scaling, pre-LN transformer layers with exact GELU, <c>emb_layer_norm_after</c>, and the
/// mean over residue positions.
/// </summary>
public static class EsmGraphBuilder
{
    // ESM was trained masking 15% of tokens, 80% of those with <mask>; inference rescales by the observed ratio instead.
    private const float MaskRatioTrain = 0.15f * 0.8f;

    /// <summary>Builds the encoder graph from a checkpoint's ESM tensors.</summary>
    public static ModelProto Build(Checkpoint checkpoint, EsmConfig config, EsmGraphOptions options)
    {
        var weights = EsmEncoderWeights.Locate(checkpoint, config, options.TensorPrefix);
        weights.RequireHalfRange = options.Precision == WeightPrecision.Fp16;
        var g = new OnnxGraphBuilder("esm_encoder", options.Precision, options.Int8Scheme);
        var graph = new EsmGraph(g, weights, config, options);
        graph.Emit();
        return g.Build(options.ProducerVersion, $"ESM encoder ({config.PositionEmbedding}, {config.NumLayers}x{config.HiddenSize}, {options.Variant}, {options.Precision})");
    }

    /// <summary>Holds the values shared across the layers while the graph is emitted.</summary>
    private sealed class EsmGraph(OnnxGraphBuilder g, EsmEncoderWeights w, EsmConfig config, EsmGraphOptions options)
    {
        private static readonly string[] Projections = ["query", "key", "value"];

        private readonly long _d = config.HiddenSize;
        private readonly long _f = config.IntermediateSize;
        private readonly int _heads = config.NumHeads;
        private readonly int _headSize = config.HeadSize;
        private readonly float _eps = (float)config.LayerNormEps;
        private readonly WeightOps _ops = new(g, w);

        private string _maskFloat = string.Empty;
        private string _maskCompute = string.Empty;
        private string _axis1 = string.Empty;
        private string _axis2 = string.Empty;
        private string _one = string.Empty;

        public void Emit()
        {
            var ids = g.Input(GraphContract.InputIds, DataType.Int64, "batch", "sequence");
            var mask = g.Input(GraphContract.AttentionMask, DataType.Int64, "batch", "sequence");
            _maskFloat = g.Node("Cast", [mask], "attention_mask_float", Attributes.Int("to", (long)DataType.Float));
            _maskCompute = g.ToCompute(_maskFloat);
            _axis1 = g.Int64Constant("axis_1", 1);
            _axis2 = g.Int64Constant("axis_2", 2);
            _one = g.FloatScalar("one", 1f);

            var x = Embeddings(ids);
            var hidden = g.ToFloat(options.Variant == GraphVariant.Fused ? FusedLayers(x, mask) : PlainLayers(x));

            g.Output(hidden, GraphContract.LastHiddenState, DataType.Float, "batch", "sequence", _d);
            g.Output(MeanOverResidues(hidden), GraphContract.MeanResidueEmbedding, DataType.Float, "batch", _d);
        }

        private string Embeddings(string ids)
        {
            // Token-dropout scaling and positions are added in float32; the sum enters the layers at compute precision.
            var emb = g.Node("Gather", [g.FloatWeight(w.Prefix + "embeddings.word_embeddings.weight", w.Matrix("embeddings.word_embeddings.weight", WordRows(), _d), WordRows(), _d), ids]);
            if (config.TokenDropout)
            {
                var isMask = g.Node("Cast", [g.Node("Equal", [ids, g.Int64Constant("mask_token_id", config.MaskTokenId)])], null, Attributes.Int("to", (long)DataType.Float));
                emb = g.Node("Mul", [emb, Unsqueeze(g.Node("Sub", [_one, isMask]), _axis2)]);
                var masked = g.Node("ReduceSum", [isMask, _axis1], null, Attributes.Int("keepdims", 1));
                var length = g.Node("ReduceSum", [_maskFloat, _axis1], null, Attributes.Int("keepdims", 1));
                var observed = g.Node("Div", [masked, length]);
                var scale = g.Node("Div", [g.FloatScalar("keep_ratio_train", 1f - MaskRatioTrain), g.Node("Sub", [_one, observed])]);
                emb = g.Node("Mul", [emb, Unsqueeze(scale, _axis2)]);
            }

            if (config.PositionEmbedding == EsmPositionEmbedding.Absolute)
            {
                // Learned positions count non-padding tokens from padding_idx + 1, as fair-esm and Hugging Face do.
                var pad = g.Int64Constant("pad_token_id", config.PadTokenId);
                var notPad = g.Node("Cast", [g.Node("Not", [g.Node("Equal", [ids, pad])])], null, Attributes.Int("to", (long)DataType.Int64));
                var positions = g.Node("Add", [g.Node("Mul", [g.Node("CumSum", [notPad, _axis1]), notPad]), pad]);
                var table = g.FloatWeight(w.Prefix + "embeddings.position_embeddings.weight", w.Matrix("embeddings.position_embeddings.weight", config.MaxPositionEmbeddings, _d), config.MaxPositionEmbeddings, _d);
                emb = g.Node("Add", [emb, g.Node("Gather", [table, positions])]);
            }

            emb = g.ToCompute(emb);
            if (config.EmbLayerNormBefore)
            {
                emb = LayerNorm(emb, "embeddings.layer_norm");
            }

            return g.Node("Mul", [emb, Unsqueeze(_maskCompute, _axis2)], "embeddings_output");
        }

        private long WordRows() => config.VocabList?.Count ?? 33;

        private string PlainLayers(string x)
        {
            // Masked keys get the most negative float so softmax gives them exactly zero weight, as masked_fill(-inf) does.
            var notMask = g.Node("Sub", [_one, _maskFloat]);
            var bias = g.Node("Mul", [notMask, g.FloatScalar("mask_filter", float.MinValue)]);
            var attentionBias = Unsqueeze(Unsqueeze(bias, _axis1), _axis1);
            var (cos, sin) = config.PositionEmbedding == EsmPositionEmbedding.Rotary ? PlainRotaryTables() : (string.Empty, string.Empty);
            var headShape = g.Int64Constant("head_shape", 0, 0, _heads, _headSize);
            var modelShape = g.Int64Constant("model_shape", 0, 0, _d);
            var scale = g.ComputeScalar("query_scale", (float)Math.Pow(_headSize, -0.5));

            for (var i = 0; i < config.NumLayers; i++)
            {
                var a = LayerNorm(x, EsmEncoderWeights.Layer(i, "attention.LayerNorm"));
                var q = g.Node("Reshape", [g.Node("Mul", [Linear(a, EsmEncoderWeights.Layer(i, "attention.self.query"), _d, _d), scale]), headShape]);
                var k = g.Node("Reshape", [Linear(a, EsmEncoderWeights.Layer(i, "attention.self.key"), _d, _d), headShape]);
                var v = g.Node("Reshape", [Linear(a, EsmEncoderWeights.Layer(i, "attention.self.value"), _d, _d), headShape]);
                if (cos.Length > 0)
                {
                    q = Rotate(q, cos, sin);
                    k = Rotate(k, cos, sin);
                }

                var qh = g.Node("Transpose", [q], null, Attributes.Ints("perm", 0, 2, 1, 3));
                var kt = g.Node("Transpose", [k], null, Attributes.Ints("perm", 0, 2, 3, 1));
                var vh = g.Node("Transpose", [v], null, Attributes.Ints("perm", 0, 2, 1, 3));
                var probabilities = _ops.MaskedSoftmax(g.Node("MatMul", [qh, kt]), attentionBias);
                var context = g.Node("Transpose", [g.Node("MatMul", [probabilities, vh])], null, Attributes.Ints("perm", 0, 2, 1, 3));
                var attention = Linear(g.Node("Reshape", [context, modelShape]), EsmEncoderWeights.Layer(i, "attention.output.dense"), _d, _d);
                x = g.Node("Add", [x, attention]);

                var h = LayerNorm(x, EsmEncoderWeights.Layer(i, "LayerNorm"));
                h = Gelu(Linear(h, EsmEncoderWeights.Layer(i, "intermediate.dense"), _f, _d));
                x = g.Node("Add", [x, Linear(h, EsmEncoderWeights.Layer(i, "output.dense"), _d, _f)]);
            }

            return LayerNorm(x, "encoder.emb_layer_norm_after");
        }

        private string FusedLayers(string x, string mask)
        {
            var keyPaddingMask = g.Node("Cast", [mask], "key_padding_mask", Attributes.Int("to", (long)DataType.Int32));
            var (cos, sin) = config.PositionEmbedding == EsmPositionEmbedding.Rotary ? RotaryCaches() : (string.Empty, string.Empty);
            var startPosition = cos.Length > 0 ? g.Int64Constant("rotary_start", 0) : string.Empty;
            var splitSizes = g.Int64Constant("qkv_split", _d, _d, _d);

            // Pre-LN chains fold into SkipLayerNormalization: each one adds a sublayer's output to the residual
            // stream (output 3) and normalizes it for the next sublayer (output 0).
            var a = LayerNorm(x, EsmEncoderWeights.Layer(0, "attention.LayerNorm"));
            for (var i = 0; i < config.NumLayers; i++)
            {
                var qkv = _ops.MatMul(a, w.Prefix + EsmEncoderWeights.Layer(i, "attention.self.qkv.weight"), PackedQkvWeight(i), _d, 3 * _d, PackedQkvBias(i));
                var parts = g.NodeWithOutputs("Split", [qkv, splitSizes], [g.Fresh("q"), g.Fresh("k"), g.Fresh("v")], null, Attributes.Int("axis", -1));
                var (q, k, v) = (parts[0], parts[1], parts[2]);
                if (cos.Length > 0)
                {
                    q = g.MicrosoftNode("RotaryEmbedding", [q, startPosition, cos, sin], null, Attributes.Int("interleaved", 0), Attributes.Int("num_heads", _heads));
                    k = g.MicrosoftNode("RotaryEmbedding", [k, startPosition, cos, sin], null, Attributes.Int("interleaved", 0), Attributes.Int("num_heads", _heads));
                }

                var context = g.MicrosoftNode("MultiHeadAttention", [q, k, v, string.Empty, keyPaddingMask], null, Attributes.Int("num_heads", _heads));
                var attention = MatMul(context, EsmEncoderWeights.Layer(i, "attention.output.dense"), _d, _d);
                (var h, x) = SkipLayerNorm(attention, x, EsmEncoderWeights.Layer(i, "LayerNorm"), EsmEncoderWeights.Layer(i, "attention.output.dense"));

                var up = g.MicrosoftNode("BiasGelu", [MatMul(h, EsmEncoderWeights.Layer(i, "intermediate.dense"), _f, _d), Bias(EsmEncoderWeights.Layer(i, "intermediate.dense"), _f)]);
                var down = MatMul(up, EsmEncoderWeights.Layer(i, "output.dense"), _d, _f);
                var next = i + 1 < config.NumLayers ? EsmEncoderWeights.Layer(i + 1, "attention.LayerNorm") : "encoder.emb_layer_norm_after";
                (a, x) = SkipLayerNorm(down, x, next, EsmEncoderWeights.Layer(i, "output.dense"));
            }

            return a;
        }

        private (string Normalized, string Sum) SkipLayerNorm(string input, string skip, string norm, string biasOf)
        {
            var outputs = g.NodeWithOutputs(
                "SkipLayerNormalization",
                [input, skip, Gamma(norm), Beta(norm), Bias(biasOf, _d)],
                [g.Fresh("skip_ln"), string.Empty, string.Empty, g.Fresh("residual")],
                OnnxGraphBuilder.MicrosoftDomain,
                Attributes.Float("epsilon", _eps));
            return (outputs[0], outputs[3]);
        }

        private float[] PackedQkvWeight(int layer)
        {
            // [D, 3D]: query, key and value projections side by side, so one MatMul computes all three.
            var packed = new float[_d * 3 * _d];
            for (var p = 0; p < 3; p++)
            {
                var weight = w.Matrix(EsmEncoderWeights.Layer(layer, $"attention.self.{Projections[p]}.weight"), _d, _d);
                for (var o = 0; o < _d; o++)
                {
                    for (var inner = 0; inner < _d; inner++)
                    {
                        packed[(inner * 3 * _d) + (p * _d) + o] = weight[(o * _d) + inner];
                    }
                }
            }

            return packed;
        }

        private string PackedQkvBias(int layer)
        {
            var packed = Projections
                .SelectMany(p => w.Vector(EsmEncoderWeights.Layer(layer, $"attention.self.{p}.bias"), _d))
                .ToArray();
            return g.Weight(w.Prefix + EsmEncoderWeights.Layer(layer, "attention.self.qkv.bias"), packed, 3 * _d);
        }

        private (string Cos, string Sin) RotaryCaches()
        {
            // ESM rotates the two halves of each head (not interleaved pairs); both halves share one frequency table.
            var (cos, sin, rows, half) = RotaryAngles(duplicateHalves: false);
            return (g.ToCompute(g.FloatConstant("rotary_cos", cos, rows, half)), g.ToCompute(g.FloatConstant("rotary_sin", sin, rows, half)));
        }

        private (string Cos, string Sin) PlainRotaryTables()
        {
            var (cos, sin, rows, width) = RotaryAngles(duplicateHalves: true);

            // Rows 0..T-1 of the table, T read from input_ids, shaped [T, 1, head] to broadcast over [B, T, H, head].
            var zero = g.Int64Constant("start_0", 0);
            var length = g.Node("Slice", [g.Node("Shape", [GraphContract.InputIds]), _axis1, _axis2, zero], "sequence_length");
            string Table(string name, float[] values) =>
                Unsqueeze(g.Node("Slice", [g.ToCompute(g.FloatConstant(name, values, rows, width)), zero, length, zero]), _axis1);
            return (Table("rotary_cos_full", cos), Table("rotary_sin_full", sin));
        }

        /// <summary>cos and sin of position × frequency, [rows, head/2], or [rows, head] with the halves repeated.</summary>
        private (float[] Cos, float[] Sin, int Rows, int Width) RotaryAngles(bool duplicateHalves)
        {
            var inverse = w.RotaryInverseFrequencies();
            var rows = Math.Max(config.MaxPositionEmbeddings, options.MaxTokens);
            var half = inverse.Length;
            var width = duplicateHalves ? 2 * half : half;
            var cos = new float[rows * width];
            var sin = new float[rows * width];
            for (var t = 0; t < rows; t++)
            {
                for (var j = 0; j < width; j++)
                {
                    // The product is rounded to float32 first, as torch computes it.
                    var angle = (float)t * inverse[j % half];
                    cos[(t * width) + j] = (float)Math.Cos(angle);
                    sin[(t * width) + j] = (float)Math.Sin(angle);
                }
            }

            return (cos, sin, rows, width);
        }

        private string Rotate(string x, string cos, string sin)
        {
            var halves = g.NodeWithOutputs("Split", [x], [g.Fresh("rot_a"), g.Fresh("rot_b")], null, Attributes.Int("axis", -1));
            var rotated = g.Node("Concat", [g.Node("Neg", [halves[1]]), halves[0]], null, Attributes.Int("axis", -1));
            return g.Node("Add", [g.Node("Mul", [x, cos]), g.Node("Mul", [rotated, sin])]);
        }

        private string MeanOverResidues(string hidden)
        {
            // Residues sit at positions 1..n: drop <cls> (position 0) and <eos> (the last real token) by shifting the mask left by one.
            var maxEnd = g.Int64Constant("end_max", long.MaxValue);
            var inner = g.Node("Slice", [_maskFloat, _axis2, maxEnd, _axis1]);
            var zeroColumn = g.Node("Mul", [g.Node("Slice", [_maskFloat, g.Int64Constant("start_zero", 0), _axis1, _axis1]), g.FloatScalar("zero", 0f)]);
            var residues = g.Node("Concat", [zeroColumn, inner, zeroColumn], "residue_mask", Attributes.Int("axis", 1));
            var sum = g.Node("ReduceSum", [g.Node("Mul", [hidden, Unsqueeze(residues, _axis2)]), _axis1], null, Attributes.Int("keepdims", 0));
            var count = g.Node("ReduceSum", [residues, _axis1], null, Attributes.Int("keepdims", 1));
            var denominator = options.PoolingEpsilon > 0
                ? g.Node("Add", [count, g.FloatScalar("pooling_epsilon", options.PoolingEpsilon)])
                : g.Node("Max", [count, _one]);
            return g.Node("Div", [sum, denominator]);
        }

        private string Linear(string x, string layer, long outFeatures, long inFeatures) => _ops.Linear(x, layer, outFeatures, inFeatures);

        private string MatMul(string x, string layer, long outFeatures, long inFeatures) => _ops.MatMul(x, layer, outFeatures, inFeatures);

        private string Bias(string layer, long length) => _ops.Vector(layer + ".bias", length);

        private string Gamma(string norm) => _ops.Vector(norm + ".weight", _d);

        private string Beta(string norm) => _ops.Vector(norm + ".bias", _d);

        private string LayerNorm(string x, string norm) => _ops.LayerNorm(x, norm, _d, _eps);

        private string Gelu(string x) => _ops.Gelu(x);

        private string Unsqueeze(string x, string axes) => g.Node("Unsqueeze", [x, axes]);
    }
}
