using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Model.Onnx;

/// <summary>
/// The one transformer layer loop every encoder graph is built with: it emits <see cref="TransformerBlockSpec.Layers"/>
/// blocks (and the final norm) from an <see cref="EncoderWeights"/>, at the builder's precision, either from standard
/// ONNX operators or from ONNX Runtime's fused ones.
/// </summary>
internal sealed class TransformerLayers
{
    private readonly OnnxGraphBuilder _g;
    private readonly EncoderWeights _w;
    private readonly TransformerBlockSpec _spec;
    private readonly BlockWeightNames _names;
    private readonly WeightOps _ops;
    private readonly long _d;
    private readonly long _f;

    public TransformerLayers(OnnxGraphBuilder g, EncoderWeights w)
    {
        _g = g;
        _w = w;
        _spec = w.Spec;
        _names = w.Names;
        _ops = new WeightOps(g, w);
        _d = _spec.Width;
        _f = _spec.FeedForwardWidth;
    }

    /// <summary>
    /// The states after the last block (and the final norm, when the block has one), at compute precision.
    /// </summary>
    /// <param name="x">The embedding output [B, T, D] at compute precision.</param>
    /// <param name="ids">The graph's token ids (rotary tables are sliced to their length).</param>
    /// <param name="mask">The graph's int64 attention mask.</param>
    /// <param name="maskFloat">The attention mask as float32.</param>
    /// <param name="variant">Standard or fused operators.</param>
    /// <param name="rotaryRows">Positions the rotary tables cover.</param>
    /// <param name="taps">Receives each block's output (both variants) and attention probabilities (plain variant only).</param>
    public string Emit(string x, string ids, string mask, string maskFloat, GraphVariant variant, int rotaryRows, LayerTaps? taps = null)
    {
        if (taps?.Attention is not null && variant == GraphVariant.Fused)
        {
            // The fused MultiHeadAttention never materializes its probabilities, so contacts need the plain path.
            throw new NotSupportedException("Attention taps need the plain graph variant: fused attention keeps its probabilities inside the operator.");
        }

        return variant == GraphVariant.Fused ? Fused(x, mask, rotaryRows, taps) : Plain(x, ids, maskFloat, rotaryRows, taps);
    }

    private string Plain(string x, string ids, string maskFloat, int rotaryRows, LayerTaps? taps)
    {
        var axis1 = _g.Int64Constant(_g.Fresh("block_axis_1"), 1);

        // Masked keys get the most negative float so softmax gives them exactly zero weight, as masked_fill(-inf) does.
        var notMask = _g.Node("Sub", [_g.FloatScalar(_g.Fresh("block_one"), 1f), maskFloat]);
        var bias = _g.Node("Mul", [notMask, _g.FloatScalar(_g.Fresh("mask_filter"), float.MinValue)]);
        var attentionBias = Unsqueeze(Unsqueeze(bias, axis1), axis1);
        var (cos, sin) = _spec.Positions == PositionKind.Rotary ? PlainRotaryTables(ids, axis1, rotaryRows) : (string.Empty, string.Empty);
        var headShape = _g.Int64Constant(_g.Fresh("head_shape"), 0, 0, _spec.Heads, _spec.HeadSize);
        var modelShape = _g.Int64Constant(_g.Fresh("model_shape"), 0, 0, _d);
        var scale = _g.ComputeScalar(_g.Fresh("query_scale"), (float)Math.Pow(_spec.HeadSize, -0.5));
        var pre = _spec.Norm == NormPlacement.Before;

        for (var i = 0; i < _spec.Layers; i++)
        {
            var a = pre ? Norm(x, _names.AttentionNorm(i)) : x;
            var (q, k, v) = _names.PackedQkvSource is null
                ? (Project(a, _names.Query!(i), _d, _d), Project(a, _names.Key!(i), _d, _d), Project(a, _names.Value!(i), _d, _d))
                : PackedProjections(a, i);
            if (_spec.QkNorm)
            {
                q = Norm(q, _names.QueryNorm!(i), bias: false);
                k = Norm(k, _names.KeyNorm!(i), bias: false);
            }

            q = _g.Node("Reshape", [_g.Node("Mul", [q, scale]), headShape]);
            k = _g.Node("Reshape", [k, headShape]);
            v = _g.Node("Reshape", [v, headShape]);
            if (cos.Length > 0)
            {
                q = Rotate(q, cos, sin);
                k = Rotate(k, cos, sin);
            }

            var qh = _g.Node("Transpose", [q], null, Attributes.Ints("perm", 0, 2, 1, 3));
            var kt = _g.Node("Transpose", [k], null, Attributes.Ints("perm", 0, 2, 3, 1));
            var vh = _g.Node("Transpose", [v], null, Attributes.Ints("perm", 0, 2, 1, 3));
            var probabilities = _ops.MaskedSoftmax(_g.Node("MatMul", [qh, kt]), attentionBias);
            taps?.Attention?.Invoke(i, probabilities);
            var context = _g.Node("Transpose", [_g.Node("MatMul", [probabilities, vh])], null, Attributes.Ints("perm", 0, 2, 1, 3));
            x = Residual(x, Project(_g.Node("Reshape", [context, modelShape]), _names.AttentionOutput(i), _d, _d));
            if (!pre)
            {
                x = Norm(x, _names.AttentionNorm(i));
            }

            x = Residual(x, FeedForward(pre ? Norm(x, _names.FeedForwardNorm(i)) : x, i));
            if (!pre)
            {
                x = Norm(x, _names.FeedForwardNorm(i));
            }

            taps?.Block?.Invoke(i + 1, x);
        }

        return _spec.FinalNorm ? Norm(x, _names.FinalNorm!, _spec.FinalNormBias) : x;
    }

    private string FeedForward(string h, int layer)
    {
        if (_spec.FeedForward == FeedForwardKind.Gelu)
        {
            return Project(_ops.Gelu(Project(h, _names.FeedForwardUp(layer), _f, _d)), _names.FeedForwardDown(layer), _d, _f);
        }

        return Project(SwiGlu(Project(h, _names.FeedForwardUp(layer), 2 * _f, _d)), _names.FeedForwardDown(layer), _d, _f);
    }

    /// <summary>SwiGLU: the up projection's first half, through SiLU, gates its second half.</summary>
    private string SwiGlu(string up)
    {
        var halves = _g.NodeWithOutputs("Split", [up], [_g.Fresh("gate"), _g.Fresh("up")], null, Attributes.Int("axis", -1));
        var silu = _g.Node("Mul", [halves[0], _g.Node("Sigmoid", [halves[0]])]);
        return _g.Node("Mul", [silu, halves[1]]);
    }

    /// <summary>Query, key and value from one MatMul over the packed [d, 3·d] weight, split in that order.</summary>
    private (string Query, string Key, string Value) PackedProjections(string a, int layer)
    {
        var bias = _spec.LinearBiases ? _g.Weight(_w.Prefix + _names.PackedQkv(layer) + ".bias", _w.QkvBias(layer), 3 * _d) : null;
        var qkv = _ops.MatMul(a, _w.Prefix + _names.PackedQkv(layer) + ".weight_t", PackedQkvWeight(layer), _d, 3 * _d, bias);
        var parts = _g.NodeWithOutputs("Split", [qkv], [_g.Fresh("q"), _g.Fresh("k"), _g.Fresh("v")], null, Attributes.Int("axis", -1));
        return (parts[0], parts[1], parts[2]);
    }

    private string Fused(string x, string mask, int rotaryRows, LayerTaps? taps)
    {
        // A residual scale is folded into the weights of the branch's last projection; a bias would need scaling too,
        // and no family has both.
        if ((_spec.LinearBiases && _spec.ResidualScale != 1) || (_spec.Norm == NormPlacement.Before && !_spec.FinalNorm))
        {
            throw new NotSupportedException("The fused graph variant does not build this block (Linear biases with a residual scale, or pre-LN without a final norm); convert with the plain variant.");
        }

        var keyPaddingMask = _g.Node("Cast", [mask], _g.Fresh("key_padding_mask"), Attributes.Int("to", (long)DataType.Int32));
        var (cos, sin) = _spec.Positions == PositionKind.Rotary ? RotaryCaches(rotaryRows) : (string.Empty, string.Empty);
        var startPosition = cos.Length > 0 ? _g.Int64Constant(_g.Fresh("rotary_start"), 0) : string.Empty;
        var splitSizes = _g.Int64Constant(_g.Fresh("qkv_split"), _d, _d, _d);

        string Attention(string a, int i)
        {
            var qkv = _ops.MatMul(a, _w.Prefix + _names.PackedQkv(i) + ".weight", PackedQkvWeight(i), _d, 3 * _d, _spec.LinearBiases ? PackedQkvBias(i) : null);
            var parts = _g.NodeWithOutputs("Split", [qkv, splitSizes], [_g.Fresh("q"), _g.Fresh("k"), _g.Fresh("v")], null, Attributes.Int("axis", -1));
            var (q, k, v) = (parts[0], parts[1], parts[2]);
            if (_spec.QkNorm)
            {
                q = Norm(q, _names.QueryNorm!(i), bias: false);
                k = Norm(k, _names.KeyNorm!(i), bias: false);
            }

            if (cos.Length > 0)
            {
                q = _g.MicrosoftNode("RotaryEmbedding", [q, startPosition, cos, sin], null, Attributes.Int("interleaved", 0), Attributes.Int("num_heads", _spec.Heads));
                k = _g.MicrosoftNode("RotaryEmbedding", [k, startPosition, cos, sin], null, Attributes.Int("interleaved", 0), Attributes.Int("num_heads", _spec.Heads));
            }

            var context = _g.MicrosoftNode("MultiHeadAttention", [q, k, v, string.Empty, keyPaddingMask], null, Attributes.Int("num_heads", _spec.Heads));
            return BranchOutput(context, _names.AttentionOutput(i), _d);
        }

        string Up(string h, int i) => _spec.FeedForward switch
        {
            FeedForwardKind.SwiGlu => SwiGlu(_ops.MatMul(h, _names.FeedForwardUp(i), 2 * _f, _d)),
            _ when _spec.LinearBiases => _g.MicrosoftNode("BiasGelu", [_ops.MatMul(h, _names.FeedForwardUp(i), _f, _d), Bias(_names.FeedForwardUp(i), _f)]),
            _ => _ops.Gelu(_ops.MatMul(h, _names.FeedForwardUp(i), _f, _d)),
        };

        if (_spec.Norm == NormPlacement.After)
        {
            // Post-LN: SkipLayerNormalization adds the branch, its bias and the residual, and normalizes the sum.
            for (var i = 0; i < _spec.Layers; i++)
            {
                (x, _) = SkipLayerNorm(Attention(x, i), x, _names.AttentionNorm(i), _names.AttentionOutput(i), normBias: true);
                var down = BranchOutput(Up(x, i), _names.FeedForwardDown(i), _f);
                (x, _) = SkipLayerNorm(down, x, _names.FeedForwardNorm(i), _names.FeedForwardDown(i), normBias: true);
                taps?.Block?.Invoke(i + 1, x);
            }

            return _spec.FinalNorm ? Norm(x, _names.FinalNorm!, _spec.FinalNormBias) : x;
        }

        // Pre-LN chains fold into SkipLayerNormalization: each one adds a sublayer's output to the residual
        // stream (output 3) and normalizes it for the next sublayer (output 0).
        var a = Norm(x, _names.AttentionNorm(0));
        for (var i = 0; i < _spec.Layers; i++)
        {
            (var h, x) = SkipLayerNorm(Attention(a, i), x, _names.FeedForwardNorm(i), _names.AttentionOutput(i), normBias: true);
            var down = BranchOutput(Up(h, i), _names.FeedForwardDown(i), _f);
            var last = i + 1 == _spec.Layers;
            (a, x) = SkipLayerNorm(down, x, last ? _names.FinalNorm! : _names.AttentionNorm(i + 1), _names.FeedForwardDown(i), normBias: !last || _spec.FinalNormBias);
            taps?.Block?.Invoke(i + 1, x);
        }

        return a;
    }

    private (string Normalized, string Sum) SkipLayerNorm(string input, string skip, string norm, string biasOf, bool normBias)
    {
        var outputs = _g.NodeWithOutputs(
            "SkipLayerNormalization",
            [input, skip, _ops.Vector(norm + ".weight", _d), normBias ? _ops.Vector(norm + ".bias", _d) : string.Empty, _spec.LinearBiases ? Bias(biasOf, _d) : string.Empty],
            [_g.Fresh("skip_ln"), string.Empty, string.Empty, _g.Fresh("residual")],
            OnnxGraphBuilder.MicrosoftDomain,
            Attributes.Float("epsilon", _spec.NormEpsilon));
        return (outputs[0], outputs[3]);
    }

    /// <summary>
    /// A residual branch's last projection (no bias: SkipLayerNormalization adds it), its weights divided by the
    /// block's residual scale so the fused sum needs no separate division.
    /// </summary>
    private string BranchOutput(string x, string module, long inFeatures)
    {
        if (_spec.ResidualScale == 1)
        {
            return _ops.MatMul(x, module, _d, inFeatures);
        }

        var scale = (float)_spec.ResidualScale;
        var weight = _ops.Transposed(module, _d, inFeatures);
        for (var j = 0; j < weight.Length; j++)
        {
            weight[j] /= scale;
        }

        return _ops.MatMul(x, _w.Prefix + module + ".weight_scaled", weight, inFeatures, _d);
    }

    private float[] PackedQkvWeight(int layer)
    {
        // [D, 3D]: query, key and value projections side by side, so one MatMul computes all three.
        var packed = new float[_d * 3 * _d];
        var (query, key, value) = _w.QkvWeights(layer);
        float[][] weights = [query, key, value];
        for (var p = 0; p < 3; p++)
        {
            var weight = weights[p];
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

    private string PackedQkvBias(int layer) => _g.Weight(_w.Prefix + _names.PackedQkv(layer) + ".bias", _w.QkvBias(layer), 3 * _d);

    private (string Cos, string Sin) RotaryCaches(int rows)
    {
        // ESM rotates the two halves of each head (not interleaved pairs); both halves share one frequency table.
        var (cos, sin, width) = RotaryAngles(rows, duplicateHalves: false);
        return (_g.ToCompute(_g.FloatConstant("rotary_cos", cos, rows, width)), _g.ToCompute(_g.FloatConstant("rotary_sin", sin, rows, width)));
    }

    private (string Cos, string Sin) PlainRotaryTables(string ids, string axis1, int rows)
    {
        var (cos, sin, width) = RotaryAngles(rows, duplicateHalves: true);

        // Rows 0..T-1 of the table, T read from input_ids, shaped [T, 1, head] to broadcast over [B, T, H, head].
        var zero = _g.Int64Constant(_g.Fresh("start_0"), 0);
        var axis2 = _g.Int64Constant(_g.Fresh("block_axis_2"), 2);
        var length = _g.Node("Slice", [_g.Node("Shape", [ids]), axis1, axis2, zero], _g.Fresh("rotary_length"));
        string Table(string name, float[] values) =>
            Unsqueeze(_g.Node("Slice", [_g.ToCompute(_g.FloatConstant(name, values, rows, width)), zero, length, zero]), axis1);
        return (Table("rotary_cos_full", cos), Table("rotary_sin_full", sin));
    }

    /// <summary>cos and sin of position × frequency, [rows, head/2], or [rows, head] with the halves repeated.</summary>
    private (float[] Cos, float[] Sin, int Width) RotaryAngles(int rows, bool duplicateHalves)
    {
        var inverse = _w.RotaryInverseFrequencies();
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

        return (cos, sin, width);
    }

    private string Rotate(string x, string cos, string sin)
    {
        var halves = _g.NodeWithOutputs("Split", [x], [_g.Fresh("rot_a"), _g.Fresh("rot_b")], null, Attributes.Int("axis", -1));
        var rotated = _g.Node("Concat", [_g.Node("Neg", [halves[1]]), halves[0]], null, Attributes.Int("axis", -1));
        return _g.Node("Add", [_g.Node("Mul", [x, cos]), _g.Node("Mul", [rotated, sin])]);
    }

    /// <summary>x plus a residual branch, the branch divided by the block's residual scale first when it has one.</summary>
    private string Residual(string x, string branch) =>
        _spec.ResidualScale == 1
            ? _g.Node("Add", [x, branch])
            : _g.Node("Add", [x, _g.Node("Div", [branch, _g.ComputeScalar(_g.Fresh("residual_scale"), (float)_spec.ResidualScale)])]);

    private string Project(string x, string module, long outFeatures, long inFeatures) =>
        _spec.LinearBiases ? _ops.Linear(x, module, outFeatures, inFeatures) : _ops.MatMul(x, module, outFeatures, inFeatures);

    private string Bias(string module, long length) => _ops.Vector(module + ".bias", length);

    private string Norm(string x, string norm, bool bias = true) => _ops.LayerNorm(x, norm, _d, _spec.NormEpsilon, bias);

    private string Unsqueeze(string x, string axes) => _g.Node("Unsqueeze", [x, axes]);
}
