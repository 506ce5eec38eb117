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
    private const string WordEmbeddings = "embeddings.word_embeddings.weight";
    private const string EsmCWordEmbeddings = "embed.weight";
    private const string SequenceHead = "sequence_head";
    private const string PositionEmbeddings = "embeddings.position_embeddings.weight";
    private const string EmbeddingNorm = "embeddings.layer_norm";

    // ESM was trained masking 15% of tokens, 80% of those with <mask>; inference rescales by the observed ratio instead.
    private const float MaskRatioTrain = 0.15f * 0.8f;

    /// <summary>Builds the encoder graph from a checkpoint's ESM tensors.</summary>
    public static ModelProto Build(Checkpoint checkpoint, EsmConfig config, EsmGraphOptions options)
    {
        var weights = Locate(checkpoint, config, options);
        weights.RequireHalfRange = options.Precision == WeightPrecision.Fp16;
        var contacts = options.Extract && options.Contacts;
        var g = new OnnxGraphBuilder(contacts ? "esm_contacts" : options.Extract ? "esm_extract" : "esm_encoder", options.Precision, options.Int8Scheme);
        var graph = new EsmGraph(g, weights, checkpoint, config, options);
        graph.Emit();
        var what = contacts ? "ESM contacts (every layer, contacts)" : options.Extract ? "ESM extraction (every layer)" : "ESM encoder";
        var kind = options.Family == EncoderFamily.EsmC ? "ESM C" : config.PositionEmbedding.ToString();
        var variant = contacts ? GraphVariant.Plain : options.Variant;
        return g.Build(options.ProducerVersion, $"{what} ({kind}, {config.NumLayers}x{config.HiddenSize}, {variant}, {options.Precision})");
    }

    /// <summary>True when the checkpoint's ESM encoder has a contact head (<c>contact_head.regression</c>).</summary>
    public static bool HasContactHead(Checkpoint checkpoint, EsmConfig config, string? prefix = null)
    {
        prefix ??= PrefixedWeights.DetectPrefix(checkpoint, BlockWeightNames.HuggingFaceEsm.FinalNorm + ".weight", "ESM encoder", WordEmbeddings);
        return ContactHeadGraph.Exists(checkpoint, prefix) || ContactHeadGraph.Exists(checkpoint, FairEsmContactPrefix(prefix));
    }

    // Hugging Face's EsmForMaskedLM keeps the head under the encoder (esm.contact_head); fair-esm's state dict at its root.
    private static string FairEsmContactPrefix(string prefix) => prefix.EndsWith("esm.", StringComparison.Ordinal) ? prefix[..^4] : prefix;

    /// <summary>
    /// Finds the ESM encoder (e.g. under <c>esm.</c> or <c>protein_model.esm.</c>) and verifies every tensor it needs;
    /// a BERT text tower also has <c>embeddings.word_embeddings</c>, so the ESM-only final norm marks the prefix.
    /// </summary>
    private static EncoderWeights Locate(Checkpoint checkpoint, EsmConfig config, EsmGraphOptions options)
    {
        var esmc = options.Family == EncoderFamily.EsmC;
        var names = esmc ? BlockWeightNames.EsmC : BlockWeightNames.HuggingFaceEsm;
        var wordEmbeddings = WordEmbeddingsOf(options.Family);
        var prefix = options.TensorPrefix
            ?? PrefixedWeights.DetectPrefix(checkpoint, names.FinalNorm + ".weight", esmc ? "ESM C encoder" : "ESM encoder", wordEmbeddings);
        long d = config.HiddenSize;
        var embeddings = new List<(string Name, long[] Shape)>
        {
            (wordEmbeddings, [EncoderWeights.VocabularyRows(checkpoint, prefix, wordEmbeddings, config.VocabList?.Count), d]),
        };
        if (config.PositionEmbedding == EsmPositionEmbedding.Absolute)
        {
            embeddings.Add((PositionEmbeddings, [config.MaxPositionEmbeddings, d]));
        }

        if (config.EmbLayerNormBefore)
        {
            embeddings.Add((EmbeddingNorm + ".weight", [d]));
            embeddings.Add((EmbeddingNorm + ".bias", [d]));
        }

        var spec = esmc
            ? TransformerBlockSpec.EsmC(config.NumLayers, config.HiddenSize, config.NumHeads, config.IntermediateSize)
            : TransformerBlockSpec.Esm(config);
        return EncoderWeights.Locate(checkpoint, prefix, spec, names, embeddings, esmc ? "its shapes" : "its config");
    }

    /// <summary>The token embedding table's name: ESM C's <c>embed</c> or Hugging Face ESM's word embeddings.</summary>
    private static string WordEmbeddingsOf(EncoderFamily family) => family == EncoderFamily.EsmC ? EsmCWordEmbeddings : WordEmbeddings;

    /// <summary>Holds the values shared while the graph is emitted.</summary>
    private sealed class EsmGraph(OnnxGraphBuilder g, EncoderWeights w, Checkpoint checkpoint, EsmConfig config, EsmGraphOptions options)
    {
        private readonly long _d = config.HiddenSize;
        private readonly WeightOps _ops = new(g, w);

        private string _maskFloat = string.Empty;
        private string _axis1 = string.Empty;
        private string _axis2 = string.Empty;
        private string _one = string.Empty;
        private string _residueMask = string.Empty;
        private string _residueCount = string.Empty;

        public void Emit()
        {
            var ids = g.Input(GraphContract.InputIds, DataType.Int64, "batch", "sequence");
            var mask = g.Input(GraphContract.AttentionMask, DataType.Int64, "batch", "sequence");
            _maskFloat = g.Node("Cast", [mask], "attention_mask_float", Attributes.Int("to", (long)DataType.Float));
            _axis1 = g.Int64Constant("axis_1", 1);
            _axis2 = g.Int64Constant("axis_2", 2);
            _one = g.FloatScalar("one", 1f);

            var x = Embeddings(ids);
            var rotaryRows = Math.Max(config.MaxPositionEmbeddings, options.MaxTokens);
            _residueMask = ResidueMask();
            if (options.Extract)
            {
                EmitExtraction(x, ids, mask, rotaryRows);
                return;
            }

            var blocks = options.ReferenceOutputs ? new List<string>() : null;
            var taps = blocks is null ? null : new LayerTaps((_, state) => blocks.Add(state), null);
            var last = new TransformerLayers(g, w).Emit(x, ids, mask, _maskFloat, options.Variant, rotaryRows, taps);
            var hidden = g.ToFloat(last);

            g.Output(hidden, GraphContract.LastHiddenState, DataType.Float, "batch", "sequence", _d);
            g.Output(MeanOverResidues(hidden), GraphContract.MeanResidueEmbedding, DataType.Float, "batch", _d);
            for (var i = 0; i < (blocks?.Count ?? 0); i++)
            {
                g.Output(g.ToFloat(blocks![i]), $"block_output_{i}", DataType.Float, "batch", "sequence", _d);
            }

            if (options.ReferenceOutputs && options.Family == EncoderFamily.EsmC)
            {
                g.Output(g.ToFloat(SequenceHeadLogits(last)), "logits", DataType.Float, "batch", "sequence", w.Rows(SequenceHead + ".3.weight"));
            }
        }

        /// <summary>ESM C's <c>sequence_head</c>: Linear, exact GELU, LayerNorm, Linear to the 64 token logits.</summary>
        private string SequenceHeadLogits(string hidden)
        {
            var width = w.Rows(SequenceHead + ".0.weight");
            var vocabulary = w.Rows(SequenceHead + ".3.weight");
            var h = _ops.Gelu(_ops.Linear(hidden, SequenceHead + ".0", width, _d));
            h = _ops.LayerNorm(h, SequenceHead + ".2", width, 1e-5f);
            return _ops.Linear(h, SequenceHead + ".3", vocabulary, width);
        }

        /// <summary>
        /// Every layer's states, their means and <c>&lt;cls&gt;</c> states, and (with <see cref="EsmGraphOptions.Contacts"/>)
        /// contacts: fair-esm's layer 0 is the embedding output, layer k block k's output, layer L the last block's after
        /// the final norm.
        /// </summary>
        private void EmitExtraction(string x, string ids, string mask, int rotaryRows)
        {
            var count = config.NumLayers;
            var layers = new string[count + 1];
            layers[0] = x;
            var contacts = options.Contacts ? LocateContactHead(count) : null;
            var taps = new LayerTaps((k, state) => layers[k] = state, contacts is null ? null : contacts.Add);
            var variant = contacts is null ? options.Variant : GraphVariant.Plain;
            layers[count] = new TransformerLayers(g, w).Emit(x, ids, mask, _maskFloat, variant, rotaryRows, taps);

            var means = new string[count + 1];
            var bos = new string[count + 1];
            var first = g.Int64Constant("cls_position", 0);
            for (var k = 0; k <= count; k++)
            {
                var hidden = g.ToFloat(layers[k]);
                g.Output(hidden, GraphContract.HiddenState(k), DataType.Float, "batch", "sequence", _d);
                means[k] = Unsqueeze(MeanOverResidues(hidden), _axis1);
                // A one-element index keeps the gathered axis: [B, 1, D], ready to concatenate.
                bos[k] = g.Node("Gather", [hidden, first], null, Attributes.Int("axis", 1));
            }

            g.Output(g.Node("Concat", means, null, Attributes.Int("axis", 1)), GraphContract.LayerMeans, DataType.Float, "batch", count + 1, _d);
            g.Output(g.Node("Concat", bos, null, Attributes.Int("axis", 1)), GraphContract.LayerBos, DataType.Float, "batch", count + 1, _d);
            if (contacts is not null)
            {
                g.Output(contacts.Finish(), GraphContract.Contacts, DataType.Float, "batch", "sequence", "sequence");
            }
        }

        private ContactHeadGraph LocateContactHead(int count) =>
            ContactHeadGraph.Locate(g, checkpoint, w.Prefix, count, config.NumHeads, _residueMask)
            ?? ContactHeadGraph.Locate(g, checkpoint, FairEsmContactPrefix(w.Prefix), count, config.NumHeads, _residueMask)
            ?? throw new CheckpointFormatException($"The checkpoint has no contact head ({ContactHeadGraph.Weight}) under '{w.Prefix}'; a contacts graph needs one.");

        private string Embeddings(string ids)
        {
            // Token-dropout scaling and positions are added in float32; the sum enters the layers at compute precision.
            var tokens = WordEmbeddingsOf(options.Family);
            var rows = w.Rows(tokens);
            var emb = g.Node("Gather", [g.FloatWeight(w.Prefix + tokens, w.Matrix(tokens, rows, _d), rows, _d), ids]);
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
                var table = g.FloatWeight(w.Prefix + PositionEmbeddings, w.Matrix(PositionEmbeddings, config.MaxPositionEmbeddings, _d), config.MaxPositionEmbeddings, _d);
                emb = g.Node("Add", [emb, g.Node("Gather", [table, positions])]);
            }

            emb = g.ToCompute(emb);
            if (config.EmbLayerNormBefore)
            {
                emb = _ops.LayerNorm(emb, EmbeddingNorm, _d, (float)config.LayerNormEps);
            }

            return g.Node("Mul", [emb, Unsqueeze(g.ToCompute(_maskFloat), _axis2)], "embeddings_output");
        }

        private string ResidueMask()
        {
            // Residues sit at positions 1..n: drop <cls> (position 0) and <eos> (the last real token) by shifting the mask left by one.
            var maxEnd = g.Int64Constant("end_max", long.MaxValue);
            var inner = g.Node("Slice", [_maskFloat, _axis2, maxEnd, _axis1]);
            var zeroColumn = g.Node("Mul", [g.Node("Slice", [_maskFloat, g.Int64Constant("start_zero", 0), _axis1, _axis1]), g.FloatScalar("zero", 0f)]);
            return g.Node("Concat", [zeroColumn, inner, zeroColumn], "residue_mask", Attributes.Int("axis", 1));
        }

        private string MeanOverResidues(string hidden)
        {
            var sum = g.Node("ReduceSum", [g.Node("Mul", [hidden, Unsqueeze(_residueMask, _axis2)]), _axis1], null, Attributes.Int("keepdims", 0));
            return g.Node("Div", [sum, ResidueCount()]);
        }

        private string ResidueCount()
        {
            if (_residueCount.Length == 0)
            {
                var count = g.Node("ReduceSum", [_residueMask, _axis1], null, Attributes.Int("keepdims", 1));
                _residueCount = options.PoolingEpsilon > 0
                    ? g.Node("Add", [count, g.FloatScalar("pooling_epsilon", options.PoolingEpsilon)])
                    : g.Node("Max", [count, _one]);
            }

            return _residueCount;
        }

        private string Unsqueeze(string x, string axes) => g.Node("Unsqueeze", [x, axes]);
    }
}
