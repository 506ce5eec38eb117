using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;
using Xunit.Abstractions;

namespace ProtSt.Model.Tests.Onnx;

/// <summary>
/// ESM C against the esm package's reference layers (the esmc-tiny golden: 2 blocks × 128, 2 heads, no config.json):
/// every block's states, the final embeddings, their residue mean and the sequence head's logits within 1e-4 at fp32,
/// in both graph variants (fp16 and int8: PrecisionFidelityTests); and a model of another shape through the converter.
/// </summary>
public sealed class EsmCGoldenTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;
    private const string GoldenName = "esmc-tiny";

    [Theory]
    [InlineData(GraphVariant.Plain)]
    [InlineData(GraphVariant.Fused)]
    public void Every_reference_output_matches(GraphVariant variant)
    {
        var golden = Golden.Load(GoldenName);
        var checkpoint = HfModelFolder.Open(golden.Directory).ReadCheckpoint();
        var config = EsmCLayout.Read(checkpoint, string.Empty, golden.Directory);
        Assert.Equal((2, 128, 2, 512), (config.NumLayers, config.HiddenSize, config.NumHeads, config.IntermediateSize));

        var graph = EsmGraphBuilder.Build(checkpoint, config, new EsmGraphOptions
        {
            Family = EncoderFamily.EsmC,
            Variant = variant,
            MaxTokens = config.MaxResidues + 2,
            ReferenceOutputs = true,
        });
        using var temp = new TempDirectory();
        var path = temp.Combine("esmc.onnx");
        OnnxModelWriter.Write(graph, path);

        var tokenizer = new EsmTokenizer(EsmCLayout.Vocabulary, config.MaxResidues);
        var batch = EncodedBatch.Create(golden.Cases.Select(c => tokenizer.Encode(c.Sequence)).ToList(), tokenizer.PadId);
        var ids = golden.Int64Tensor("input_ids");
        Assert.Equal(ids, batch.InputIds);

        var outputs = Run(path, batch);
        var shape = golden.Shape("last_hidden_state");
        var (b, t, d) = ((int)shape[0], (int)shape[1], (int)shape[2]);
        var blockStates = golden.Tensor("hidden_states");
        for (var layer = 0; layer < config.NumLayers; layer++)
        {
            // Before the final norm the golden's states reach 1,375 (mean |x| 252), where float32's own spacing is
            // 1.2e-4: there the 1e-4 holds relative to each token's largest value.
            CloseAtResidues(outputs[$"block_output_{layer}"], blockStates.AsSpan(layer * b * t * d, b * t * d).ToArray(), ids, tokenizer.PadId, d, $"block {layer}", relative: true);
        }

        CloseAtResidues(outputs[GraphContract.LastHiddenState], golden.Tensor("last_hidden_state"), ids, tokenizer.PadId, d, "last_hidden_state");
        CloseAtResidues(outputs["logits"], golden.Tensor("logits"), ids, tokenizer.PadId, 64, "logits");
        Assertions.Close(outputs[GraphContract.MeanResidueEmbedding], golden.Tensor("mean_residue_embedding"), Tolerance, "mean_residue_embedding");
    }

    [Theory]
    [InlineData(GraphVariant.Plain)]
    [InlineData(GraphVariant.Fused)]
    public void The_converter_reads_the_esm_package_folder_without_a_config(GraphVariant variant)
    {
        var golden = Golden.Load(GoldenName);
        Assert.False(File.Exists(Path.Combine(golden.Directory, "config.json")));
        using var model = new Converted(golden.Directory, variant);
        Assert.Equal("esmc", model.Manifest.Architecture);
        Assert.Equal((2, 128, 2, 512), (model.Manifest.NumLayers, model.Manifest.HiddenSize, model.Manifest.NumHeads, model.Manifest.IntermediateSize));
        Assert.Equal(EsmCLayout.MaxTokens - 2, model.Manifest.MaxResidues);
        Assert.Equal(EsmCLayout.Vocabulary, model.Manifest.Vocabulary);

        var result = model.Run(golden.Cases.Select(c => c.Sequence));
        var ids = golden.Int64Tensor("input_ids");
        var width = model.Manifest.HiddenSize;
        var hidden = new float[result.BatchSize * result.SequenceLength * width];
        for (var b = 0; b < result.BatchSize; b++)
        {
            for (var t = 0; t < result.SequenceLength; t++)
            {
                result.Hidden(b, t).CopyTo(hidden.AsSpan(((b * result.SequenceLength) + t) * width));
            }
        }

        CloseAtResidues(hidden, golden.Tensor("last_hidden_state"), ids, model.Tokenizer.PadId, width, "last_hidden_state");
        Assertions.Close(result.Pooled, golden.Tensor("mean_residue_embedding"), Tolerance, "mean_residue_embedding");
    }

    [Fact]
    public void The_extraction_graph_gives_every_blocks_states_as_the_reference_layers_number_them()
    {
        // fair-esm's numbering for ESM C: layer k (1..n-1) is block k's output before the final norm (the golden's
        // hidden_states[k-1]), layer n the output after it; ESM C has no contact head, so the graph has no contacts.
        var golden = Golden.Load(GoldenName);
        using var model = new Converted(golden.Directory, GraphVariant.Fused, extract: true);
        Assert.False(model.Manifest.Extract!.Contacts);
        var batch = EncodedBatch.Create(golden.Cases.Select(c => model.Tokenizer.Encode(c.Sequence)).ToList(), model.Tokenizer.PadId);
        var request = new OutputRequest { Kinds = OutputKind.Pooled | OutputKind.Layers | OutputKind.Residues, Layers = [1, 2] };
        var result = model.Session.Run(batch, request);
        Assert.Equal([1, 2], result.LayerNumbers!);

        var ids = golden.Int64Tensor("input_ids");
        var shape = golden.Shape("last_hidden_state");
        var (b, t, d) = ((int)shape[0], (int)shape[1], (int)shape[2]);
        var expected = new[] { golden.Tensor("hidden_states").AsSpan(0, b * t * d).ToArray(), golden.Tensor("last_hidden_state") };
        for (var layer = 0; layer < 2; layer++)
        {
            var states = new float[b * t * d];
            for (var row = 0; row < b; row++)
            {
                result.LayerResiduesOf(row, layer).CopyTo(states.AsSpan(row * t * d));
            }

            CloseAtResidues(states, expected[layer], ids, model.Tokenizer.PadId, d, $"layer {layer + 1}", relative: layer == 0);
        }

        var means = new float[b * d];
        for (var row = 0; row < b; row++)
        {
            result.LayerPooledOf(row, 1).CopyTo(means.AsSpan(row * d));
        }

        Assertions.Close(means, golden.Tensor("mean_residue_embedding"), Tolerance, "layer 2 means");
        Assert.Throws<UnsupportedOutputException>(() => ModelFolder.Open(model.ModelDirectory).CheckOutputs(request.And(OutputKind.Contacts)));
    }

    [Fact]
    public void A_pth_state_dict_under_data_weights_converts_like_the_safetensors()
    {
        // The biohub/esmc-*-2024-12 repositories hold data/weights/esmc_*_2024_12_v0.pth, a torch.save'd state dict.
        var golden = Golden.Load(GoldenName);
        using var temp = new TempDirectory();
        var folder = temp.Combine("esmc-pth");
        Directory.CreateDirectory(Path.Combine(folder, "data", "weights"));
        var zip = new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(');
        var tensors = HfModelFolder.Open(golden.Directory).ReadCheckpoint().Tensors.Values.ToList();
        for (var i = 0; i < tensors.Count; i++)
        {
            var shape = tensors[i].Shape.Select(x => (int)x).ToArray();
            var strides = shape.Select((_, axis) => shape.Skip(axis + 1).Aggregate(1, (a, b) => a * b)).ToArray();
            var key = i.ToString(CultureInfo.InvariantCulture);
            zip.String(tensors[i].Name).Tensor("FloatStorage", key, (int)tensors[i].ElementCount, 0, shape, strides).Storage(key, tensors[i].ReadBytes());
        }

        zip.Op((byte)'u', (byte)'.').Write(Path.Combine(folder, "data", "weights", "esmc_tiny_2024_12_v0.pth"));

        using var model = new Converted(folder, GraphVariant.Fused);
        Assert.Equal("esmc", model.Manifest.Architecture);
        Assertions.Close(model.Run(golden.Cases.Select(c => c.Sequence), hidden: false).Pooled, golden.Tensor("mean_residue_embedding"), Tolerance, "mean_residue_embedding");
    }

    [Theory]
    [InlineData(WeightPrecision.Fp32, 0.0)]
    [InlineData(WeightPrecision.Fp16, 0.999)]
    [InlineData(WeightPrecision.Int8, 0.995)]
    public void Another_depth_width_and_head_count_comes_from_the_shapes(WeightPrecision precision, double minCosine)
    {
        // 3 blocks × 192 (3 heads), no config.json: the shape, the head count and the residual scale √(3/36) differ from
        // the golden's; the fused graph (MultiHeadAttention's num_heads, folded scale) must agree with the plain one.
        using var temp = new TempDirectory();
        var checkpoint = temp.Combine("esmc");
        EsmCDemoCheckpoint.Write(checkpoint, DemoModelSpec.EsmCDefault with { Layers = 3, HiddenSize = 192, IntermediateSize = DemoModelSpec.EsmCFeedForwardWidth(192) }, untrainedMarker: false);
        using var plain = new Converted(checkpoint, GraphVariant.Plain);
        Assert.Equal((3, 192, 3, 512), (plain.Manifest.NumLayers, plain.Manifest.HiddenSize, plain.Manifest.NumHeads, plain.Manifest.IntermediateSize));
        using var fused = new Converted(checkpoint, GraphVariant.Fused, precision);
        var sequences = Golden.Load(GoldenName).Cases.Select(c => c.Sequence).ToArray();
        var expected = plain.Run(sequences, hidden: false).Pooled;
        var actual = fused.Run(sequences, hidden: false).Pooled;
        if (precision == WeightPrecision.Fp32)
        {
            Assertions.Close(actual, expected, Tolerance, "fused against plain");
        }
        else
        {
            Report($"esmc 3x192 fused {precision}", actual, expected, 192, minCosine);
        }
    }

    private static Dictionary<string, float[]> Run(string path, EncodedBatch batch)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        int[] dims = [batch.BatchSize, batch.SequenceLength];
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor(GraphContract.InputIds, new DenseTensor<long>(batch.InputIds, dims)),
            NamedOnnxValue.CreateFromTensor(GraphContract.AttentionMask, new DenseTensor<long>(batch.AttentionMask, dims)),
        ]);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    private void CloseAtResidues(float[] actual, float[] expected, long[] ids, long padId, int width, string what, bool relative = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (var p = 0; p < ids.Length; p++)
        {
            if (ids[p] != padId)
            {
                var reference = expected.AsSpan(p * width, width);
                var scale = relative ? Math.Max(1.0, Assertions.MaxAbsDiff(reference, new float[width])) : 1.0;
                worst = Math.Max(worst, Assertions.MaxAbsDiff(actual.AsSpan(p * width, width), reference) / scale);
                Assertions.Close(actual.AsSpan(p * width, width), reference, Tolerance * scale, string.Create(CultureInfo.InvariantCulture, $"{what} at token {p}"));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |diff|{(relative ? " / token max" : string.Empty)} {worst:G3}"));
    }

    private void Report(string what, float[] actual, float[] expected, int width, double minCosine)
    {
        var worst = EmbeddingAgreement.Cosines(actual, expected, width).Min();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: worst cosine {worst:F6}"));
        Assert.True(worst >= minCosine, string.Create(CultureInfo.InvariantCulture, $"{what}: cosine {worst:F6} below {minCosine}"));
    }
}
