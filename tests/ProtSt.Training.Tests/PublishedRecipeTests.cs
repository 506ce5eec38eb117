using System.Buffers.Binary;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tests.Support;
using ProtSt.Training.Tests.Support;

namespace ProtSt.Training.Tests;

/// <summary>
/// The published fine-tuning recipe (clipping at a global norm, AdamW with decay on weights only, a checkpoint's head as
/// the start) against torch's own run in fixtures/goldens/finetune-tiny, and against the double-precision reference for
/// the shapes, decays, clip norms and batchings that golden does not cover.
/// </summary>
public sealed class PublishedRecipeTests
{
    // The golden's stated tolerance on trained weights; losses are float32 sums of 48 terms of size ~0.7.
    private const double WeightTolerance = 2e-4;
    private const double LossTolerance = 1e-5;

    private static readonly string GoldenDirectory = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "finetune-tiny");

    [Fact]
    public async Task Twenty_full_batch_steps_from_the_checkpoints_head_match_torch_weights_and_losses()
    {
        var expected = SafetensorsReader.Read(Path.Combine(GoldenDirectory, "expected.safetensors"));
        var start = ClassifierHeadFile.Read(GoldenDirectory).Head;
        var train = GoldenTrain(expected);
        var options = GoldenOptions();

        var result = await HeadTrainer.TrainAsync(train, train, null, start, options, null, CancellationToken.None);

        var torchLosses = expected.Get("losses").ReadFloat32();
        Assert.Equal(torchLosses.Length, result.History.Count);
        for (var step = 0; step < torchLosses.Length; step++)
        {
            Assert.True(
                Math.Abs(result.History[step].TrainLoss - torchLosses[step]) <= LossTolerance,
                $"loss before step {step + 1}: {result.History[step].TrainLoss:G7}, torch {torchLosses[step]:G7}");
        }

        Assert.True(torchLosses[^1] < torchLosses[0] - 0.05, "the premise: twenty steps move the loss");
        Assert.Equal(options.MaxEpochs, result.KeptEpoch);
        AssertClose(expected, [result.Head.DenseWeight, result.Head.DenseBias, result.Head.OutProjWeight, result.Head.OutProjBias], "trainer");

        // The reference reproduces torch too, which is what makes it a reference for the cases below.
        var reference = ReferenceTrainer.Train(start, train, options);
        AssertClose(expected, reference.Tensors.Select(t => t.Select(x => (float)x).ToArray()).ToArray(), "reference");
        Assert.True(reference.ClippedSteps > 0, "the premise: clipping at 1.0 changes some of torch's steps");
    }

    [Fact]
    public async Task Unclipped_or_decayed_runs_end_away_from_torchs_weights()
    {
        // The golden tells the recipe's pieces apart: leaving out the clip, or decaying, ends well outside its tolerance
        // (Adam is nearly scale-invariant, so the clip moves the weights by only ~10× the tolerance).
        var expected = SafetensorsReader.Read(Path.Combine(GoldenDirectory, "expected.safetensors"));
        var start = ClassifierHeadFile.Read(GoldenDirectory).Head;
        var train = GoldenTrain(expected);
        var unclipped = GoldenOptions();
        unclipped.MaxGradNorm = 0;
        var decayed = GoldenOptions();
        decayed.WeightDecay = 0.5;

        foreach (var options in new[] { unclipped, decayed })
        {
            var head = (await HeadTrainer.TrainAsync(train, train, null, start, options, null, CancellationToken.None)).Head;
            var difference = MaxDifference(expected.Get(ClassifierHead.DenseWeightName).ReadFloat32(), head.DenseWeight);
            Assert.True(difference > 4 * WeightTolerance, $"clip {options.MaxGradNorm}, decay {options.WeightDecay}: {difference:G3}");
        }
    }

    [Theory]
    [InlineData(24, 3, 50, 10, 0.1, 1.0, 3, 1e-2)]   // mini-batches with a short last one, decay, clipping at the Trainer's norm
    [InlineData(16, 5, 37, 37, 0.0, 0.05, 8, 1e-3)]  // full batches, every step clipped
    [InlineData(40, 2, 30, 8, 0.01, 0.0, 4, 3e-3)]   // no clipping
    public async Task Other_shapes_decays_and_clip_norms_match_the_double_precision_reference(
        int hidden, int classes, int rows, int batch, double weightDecay, double maxGradNorm, int epochs, double learningRate)
    {
        var random = new Random(hidden + classes);
        var start = HeadParameters.Initial(hidden, classes, random).ToHead();
        var features = Enumerable.Range(0, rows * hidden).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var train = new LabelledFeatures(features, [.. Enumerable.Range(0, rows).Select(i => i % classes)], hidden, classes);
        var options = new HeadTrainingOptions
        {
            LearningRate = learningRate,
            WeightDecay = weightDecay,
            MaxGradNorm = maxGradNorm,
            BatchSize = batch,
            MaxEpochs = epochs,
            Keep = HeadSelection.Last,
            Seed = 5,
        };

        var result = await HeadTrainer.TrainAsync(train, train, null, start, options, null, CancellationToken.None);
        var reference = ReferenceTrainer.Train(start, train, options);

        var steps = epochs * ((rows + batch - 1) / batch);
        Assert.Equal(steps, reference.Losses.Count);
        Assert.Equal(maxGradNorm > 0, reference.ClippedSteps > 0);
        var trained = new[] { result.Head.DenseWeight, result.Head.DenseBias, result.Head.OutProjWeight, result.Head.OutProjBias };
        var names = new[] { "dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias" };
        for (var t = 0; t < trained.Length; t++)
        {
            var difference = MaxDifference(reference.Tensors[t], trained[t]);
            Assert.True(difference <= WeightTolerance, $"{names[t]}: max |difference| {difference:G3} from the reference after {steps} steps");
        }

        // Each epoch's mean loss is the row-weighted mean of its steps' losses before the step.
        var perEpoch = (rows + batch - 1) / batch;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var sizes = Enumerable.Range(0, perEpoch).Select(b => Math.Min(batch, rows - (b * batch))).ToArray();
            var mean = sizes.Select((size, b) => size * reference.Losses[(epoch * perEpoch) + b]).Sum() / rows;
            Assert.Equal(mean, result.History[epoch].TrainLoss, tolerance: LossTolerance);
        }
    }

    [Theory]
    [InlineData(WeightPrecision.Fp32)]
    [InlineData(WeightPrecision.Fp16)]
    public async Task A_bf16_classifier_converted_at_either_precision_starts_from_its_head_exactly_and_trains_as_the_reference(WeightPrecision precision)
    {
        // The published checkpoints are bfloat16: every tensor of the golden rounded as torch's .to(bfloat16) rounds.
        using var scratch = new TempDirectory();
        var source = SafetensorsReader.Read(Path.Combine(GoldenDirectory, "model.safetensors"));
        var rounded = source.Tensors.Values.ToDictionary(t => t.Name, t => t.ReadFloat32().Select(RoundToBFloat16).ToArray());
        Directory.CreateDirectory(scratch.Combine("bf16"));
        SafetensorsWriter.Write(
            scratch.Combine("bf16", "model.safetensors"),
            source.Tensors.Values.Select(t => new SafetensorsWriter.Entry(t.Name, TensorDType.BFloat16, t.Shape, BFloat16Bytes(rounded[t.Name]))));
        File.Copy(Path.Combine(GoldenDirectory, "config.json"), scratch.Combine("bf16", "config.json"));

        ModelConverter.Convert(scratch.Combine("bf16"), scratch.Combine("converted"), new ConvertOptions { Precision = precision });
        var start = ClassifierHeadFile.Read(ModelFolder.Open(scratch.Combine("converted"))).Head;

        // bf16 values have 8 significant bits, so float16 holds them exactly too, except for magnitudes under its normal range.
        Assert.Equal(rounded[ClassifierHead.DenseWeightName], start.DenseWeight);
        Assert.Equal(rounded[ClassifierHead.DenseBiasName], start.DenseBias);
        Assert.Equal(rounded[ClassifierHead.OutProjWeightName], start.OutProjWeight);
        Assert.Equal(rounded[ClassifierHead.OutProjBiasName], start.OutProjBias);

        var train = GoldenTrain(SafetensorsReader.Read(Path.Combine(GoldenDirectory, "expected.safetensors")));
        var options = GoldenOptions();
        options.WeightDecay = 0.1;
        var result = await HeadTrainer.TrainAsync(train, train, null, start, options, null, CancellationToken.None);
        var reference = ReferenceTrainer.Train(start, train, options);
        var trained = new[] { result.Head.DenseWeight, result.Head.DenseBias, result.Head.OutProjWeight, result.Head.OutProjBias };
        for (var t = 0; t < trained.Length; t++)
        {
            Assert.True(MaxDifference(reference.Tensors[t], trained[t]) <= WeightTolerance, $"tensor {t} after training from the bf16 head");
        }
    }

    [Fact]
    public void The_defaults_are_the_published_recipe_and_bad_settings_are_named()
    {
        var defaults = new HeadTrainingOptions();
        Assert.Equal((5e-5, 0.0, 1.0, 256, 100, 0, HeadSelection.Best), (defaults.LearningRate, defaults.WeightDecay, defaults.MaxGradNorm, defaults.BatchSize, defaults.MaxEpochs, defaults.Patience, defaults.Keep));

        Assert.Equal(nameof(HeadTrainingOptions.MaxGradNorm), Assert.Throws<ArgumentException>(() => new HeadTrainingOptions { MaxGradNorm = -1 }.Validate()).ParamName);
        Assert.Equal(nameof(HeadTrainingOptions.Keep), Assert.Throws<ArgumentException>(() => new HeadTrainingOptions { Keep = (HeadSelection)7 }.Validate()).ParamName);
    }

    private static float RoundToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }

    private static byte[] BFloat16Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
        }

        return bytes;
    }

    private static HeadTrainingOptions GoldenOptions() => new()
    {
        LearningRate = 1e-3,
        WeightDecay = 0,
        MaxGradNorm = 1.0,
        BatchSize = 48,
        MaxEpochs = 20,
        Patience = 0,
        Keep = HeadSelection.Last,
    };

    /// <summary>torch's frozen-encoder features of the 48 training rows, with train.csv's labels (its last column).</summary>
    private static LabelledFeatures GoldenTrain(Checkpoint expected)
    {
        var features = expected.Get("train_features");
        var labels = File.ReadLines(Path.Combine(GoldenDirectory, "train.csv")).Skip(1).Select(l => int.Parse(l[(l.LastIndexOf(',') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new LabelledFeatures(features.ReadFloat32(), labels, (int)features.Shape[1], classes: 2);
    }

    private static void AssertClose(Checkpoint expected, float[][] trained, string who)
    {
        var names = new[] { ClassifierHead.DenseWeightName, ClassifierHead.DenseBiasName, ClassifierHead.OutProjWeightName, ClassifierHead.OutProjBiasName };
        for (var t = 0; t < names.Length; t++)
        {
            var difference = MaxDifference(expected.Get(names[t]).ReadFloat32(), trained[t]);
            Assert.True(difference <= WeightTolerance, $"{who}: {names[t]} is {difference:G3} from torch's (tolerance {WeightTolerance})");
        }
    }

    private static double MaxDifference(float[] expected, float[] actual) =>
        Enumerable.Range(0, expected.Length).Max(i => Math.Abs((double)expected[i] - actual[i]));

    private static double MaxDifference(double[] expected, float[] actual) =>
        Enumerable.Range(0, expected.Length).Max(i => Math.Abs(expected[i] - actual[i]));
}
