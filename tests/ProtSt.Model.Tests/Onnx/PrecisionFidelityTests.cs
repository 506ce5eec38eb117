using System.Globalization;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tests.Support;
using Xunit.Abstractions;

namespace ProtSt.Model.Tests.Onnx;

/// <summary>
/// Reduced-precision models against float32: fp16 (float16 weights and compute) must keep every mean embedding at
/// cosine ≥ 0.999 to the PyTorch reference, int8 (weight-quantized Linears) at ≥ 0.995, and both must keep the ProtST
/// zero-shot predictions and classifier labels. Each test prints the figures docs/models.md quotes.
/// </summary>
public sealed class PrecisionFidelityTests(ITestOutputHelper output)
{
    public static TheoryData<string, GraphVariant, WeightPrecision, double> EsmCases()
    {
        var data = new TheoryData<string, GraphVariant, WeightPrecision, double>();
        foreach (var golden in Golden.EsmNames.Append("esmc-tiny"))
        {
            foreach (var variant in new[] { GraphVariant.Plain, GraphVariant.Fused })
            {
                data.Add(golden, variant, WeightPrecision.Fp16, 0.999);
                data.Add(golden, variant, WeightPrecision.Int8, 0.995);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EsmCases))]
    public void Esm_golden_mean_embeddings_keep_their_direction(string goldenName, GraphVariant variant, WeightPrecision precision, double minCosine)
    {
        var golden = Golden.Load(goldenName);
        using var model = new Converted(golden.Directory, variant, precision);
        var actual = model.Run(golden.Cases.Select(c => c.Sequence), hidden: false).Pooled;
        var expected = golden.Tensor("mean_residue_embedding");
        Report($"{goldenName} {variant} {precision}", actual, expected, model.Manifest.HiddenSize, minCosine);
    }

    [Theory]
    [InlineData(WeightPrecision.Fp16, 0.999)]
    [InlineData(WeightPrecision.Int8, 0.995)]
    public void Zero_shot_predictions_match_the_reference(WeightPrecision precision, double minCosine)
    {
        var golden = ProtStGolden.Load("protst-tiny");
        var (model, means) = ProteinMeans(golden, $"protst-tiny {precision}", precision, minCosine);
        using var disposeModel = model;

        using var text = TextEncoderSession.Open(model.Session.Folder, new InferenceOptions { IntraOpThreads = 1 });
        using var head = HeadSession.Open(model.Session.Folder, new InferenceOptions { IntraOpThreads = 1 });
        var prompts = text.Embed(golden.Prompts[..10], includeHiddenStates: false);
        var features = head.Run(means, golden.Proteins.Length);
        var scorer = new ZeroShotScorer(prompts.Features, 10, prompts.FeatureWidth, model.Manifest.LogitScale!.Value);
        var predictions = Enumerable.Range(0, golden.Proteins.Length)
            .Select(b => (long)ZeroShotScorer.ArgMax(scorer.Score(features.AsSpan(b * head.OutputWidth, head.OutputWidth))))
            .ToArray();
        Assert.Equal(golden.Int64("prediction"), predictions);
    }

    [Theory]
    [InlineData(WeightPrecision.Fp16, 0.999)]
    [InlineData(WeightPrecision.Int8, 0.995)]
    public void Classifier_labels_match_the_reference(WeightPrecision precision, double minCosine)
    {
        var golden = ProtStGolden.Load("protst-cls-tiny");
        var (model, means) = ProteinMeans(golden, $"protst-cls-tiny {precision}", precision, minCosine);
        using var disposeModel = model;

        using var head = HeadSession.Open(model.Session.Folder, new InferenceOptions { IntraOpThreads = 1 });
        var probabilities = head.Run(means, golden.Proteins.Length);
        var labels = Enumerable.Range(0, golden.Proteins.Length).Select(b => (long)ZeroShotScorer.ArgMax(probabilities.AsSpan(b * 2, 2))).ToArray();
        Assert.Equal(golden.Int64("prediction"), labels);
        var maxError = Assertions.MaxAbsDiff(probabilities, golden.Tensor("probabilities"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"protst-cls-tiny {precision}: max |probability error| {maxError:G3}"));
    }

    [Theory]
    [InlineData(WeightPrecision.Fp16, 0.999)]
    [InlineData(WeightPrecision.Int8, 0.995)]
    public void A_moderate_width_demo_model_keeps_its_mean_embeddings(WeightPrecision precision, double minCosine)
    {
        // The goldens are 64 wide; quantization error grows with the reduction length, so check 512-wide layers too.
        using var temp = new TempDirectory();
        var checkpoint = temp.Combine("checkpoint");
        DemoCheckpoint.Write(checkpoint, new DemoModelSpec { Layers = 4, HiddenSize = 512, Heads = 8, IntermediateSize = 2048, Esm1b = true });
        using var reference = new Converted(checkpoint);
        using var model = new Converted(checkpoint, GraphVariant.Fused, precision);
        var sequences = BenchSequences();
        var expected = reference.Run(sequences, hidden: false).Pooled;
        var actual = model.Run(sequences, hidden: false).Pooled;
        Report($"demo 4x512 esm1b {precision}", actual, expected, 512, minCosine);
    }

    [Fact]
    public void A_weight_outside_float16_range_is_named_when_converting_to_fp16()
    {
        using var temp = new TempDirectory();
        var golden = Golden.Load("esm2-tiny");
        var source = temp.Combine("esm2");
        Directory.CreateDirectory(source);
        File.Copy(Path.Combine(golden.Directory, "config.json"), Path.Combine(source, "config.json"));
        const string Outlier = "esm.encoder.layer.1.intermediate.dense.weight";
        var entries = HfModelFolder.Open(golden.Directory).ReadCheckpoint().Tensors.Values.Select(t =>
        {
            var values = t.ReadFloat32();
            if (t.Name == Outlier)
            {
                values[7] = 70000f;
            }

            return SafetensorsWriter.Float32(t.Name, t.Shape, values);
        });
        SafetensorsWriter.Write(Path.Combine(source, "model.safetensors"), entries);

        var error = Assert.Throws<CheckpointFormatException>(() => ModelConverter.Convert(source, temp.Combine("fp16"), new ConvertOptions { Precision = WeightPrecision.Fp16 }));
        Assert.Contains(Outlier, error.Message, StringComparison.Ordinal);
        Assert.Contains("70000", error.Message, StringComparison.Ordinal);

        // float32 and int8 hold it: int8 scales that column by its own maximum.
        Assert.Equal("fp32", ModelConverter.Convert(source, temp.Combine("fp32")).WeightPrecision);
        Assert.Equal("int8", ModelConverter.Convert(source, temp.Combine("int8"), new ConvertOptions { Precision = WeightPrecision.Int8 }).WeightPrecision);
    }

    [Theory]
    [InlineData(GraphVariant.Plain, 6)]
    [InlineData(GraphVariant.Fused, 4)]
    public void Fp16_graph_multiplies_float16_weights_and_outputs_float32(GraphVariant variant, int weightMatMulsPerLayer)
    {
        var golden = Golden.Load("esm2-tiny");
        using var model = new Converted(golden.Directory, variant, WeightPrecision.Fp16);
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(model.ModelDirectory, ModelConverter.OnnxFileName))).Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, t => (global::Onnx.TensorProto.Types.DataType)t.DataType);
        var weightTypes = graph.Node.Where(n => n.OpType == "MatMul" && initializers.ContainsKey(n.Input[1])).Select(n => initializers[n.Input[1]]).ToList();
        Assert.Equal(weightMatMulsPerLayer * model.Manifest.NumLayers, weightTypes.Count);
        Assert.All(weightTypes, t => Assert.Equal(global::Onnx.TensorProto.Types.DataType.Float16, t));
        Assert.All(graph.Output, o => Assert.Equal((int)global::Onnx.TensorProto.Types.DataType.Float, o.Type.TensorType.ElemType));
    }

    [Fact]
    public void The_manifest_records_precision_and_quantization_scheme()
    {
        var golden = Golden.Load("esm2-tiny");
        using var fp16 = new Converted(golden.Directory, GraphVariant.Fused, WeightPrecision.Fp16);
        Assert.Equal("fp16", fp16.Manifest.WeightPrecision);
        Assert.Null(fp16.Manifest.Quantization);
        using var int8 = new Converted(golden.Directory, GraphVariant.Fused, WeightPrecision.Int8);
        var reopened = ModelFolder.Open(int8.ModelDirectory).Manifest;
        Assert.Equal("int8", reopened.WeightPrecision);
        Assert.Equal(ModelConverter.QuantizationName(Int8Scheme.DynamicQuantizeMatMul), reopened.Quantization);
    }

    [Fact]
    public void Int8_quantization_is_symmetric_per_output_column()
    {
        // [in 2, out 3]: column 0 spans ±1, column 1 is zero, column 2 peaks at 254.
        var (quantized, scales) = Int8Weights.Quantize([1f, 0f, 254f, -0.5f, 0f, -127f], 2, 3);
        Assert.Equal([1f / 127, 1f, 2f], scales);
        Assert.Equal(new sbyte[] { 127, 0, 127, -64, 0, -64 }, quantized);
    }

    private static string[] BenchSequences() =>
    [
        .. ProtStGolden.Load("protst-tiny").Proteins,
        .. Golden.Load("esm1b-tiny").Cases.Select(c => c.Sequence),
    ];

    private (Converted Model, float[] Means) ProteinMeans(ProtStGolden golden, string what, WeightPrecision precision, double minCosine)
    {
        var model = new Converted(golden.Directory, GraphVariant.Fused, precision);
        var means = model.Run(golden.Proteins, hidden: false).Pooled;
        Report(what + " protein_mean", means, golden.Tensor("protein_mean"), model.Manifest.HiddenSize, minCosine);
        return (model, means);
    }

    private void Report(string what, float[] actual, float[] expected, int width, double minCosine)
    {
        var cosines = EmbeddingAgreement.Cosines(actual, expected, width);
        var maxError = Assertions.MaxAbsDiff(actual, expected);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: cosine min {cosines.Min():F6} median {EmbeddingAgreement.Median(cosines):F6} over {cosines.Length} sequences; max |error| {maxError:G3}"));
        Assert.True(cosines.Min() >= minCosine, string.Create(CultureInfo.InvariantCulture, $"{what}: min cosine {cosines.Min():F6} < {minCosine}"));
    }
}
