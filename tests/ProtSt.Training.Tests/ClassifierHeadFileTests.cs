using System.Text.Json;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tests.Support;
using ProtSt.Training.Tests.Support;

namespace ProtSt.Training.Tests;

public sealed class ClassifierHeadFileTests
{
    [Fact]
    public async Task A_trained_head_round_trips_exactly_and_predicts_as_the_trainer_evaluated_it()
    {
        var (train, valid, test) = GaussianClusters.Splits(seed: 8);
        var result = await HeadTrainer.TrainAsync(train, valid, test, null, HeadTrainerTests.Fast(), null, CancellationToken.None);
        using var folder = new TempDirectory();

        ClassifierHeadFile.Write(folder.Path, result.Head);
        var read = ClassifierHeadFile.Read(folder.Path);

        var h = GaussianClusters.Dimension;
        var tensors = SafetensorsReader.Read(folder.Combine(ClassifierHeadFile.WeightsFileName)).Tensors;
        Assert.Equal(
            [ClassifierHead.DenseBiasName, ClassifierHead.DenseWeightName, ClassifierHead.OutProjBiasName, ClassifierHead.OutProjWeightName],
            tensors.Keys.Order(StringComparer.Ordinal));
        Assert.All(tensors.Values, t => Assert.Equal(TensorDType.Float32, t.DType));
        Assert.Equal([h, h], tensors[ClassifierHead.DenseWeightName].Shape);
        Assert.Equal([h], tensors[ClassifierHead.DenseBiasName].Shape);
        Assert.Equal([2, h], tensors[ClassifierHead.OutProjWeightName].Shape);
        Assert.Equal([2], tensors[ClassifierHead.OutProjBiasName].Shape);

        Assert.Equal(result.Head.DenseWeight, read.Head.DenseWeight);
        Assert.Equal(result.Head.DenseBias, read.Head.DenseBias);
        Assert.Equal(result.Head.OutProjWeight, read.Head.OutProjWeight);
        Assert.Equal(result.Head.OutProjBias, read.Head.OutProjBias);
        Assert.Equal(["LABEL_0", "LABEL_1"], read.Labels);

        using var config = JsonDocument.Parse(File.ReadAllBytes(folder.Combine(ClassifierHeadFile.ConfigFileName)));
        Assert.Equal(h, config.RootElement.GetProperty("hidden_size").GetInt32());
        Assert.Equal(2, config.RootElement.GetProperty("num_labels").GetInt32());
        Assert.Equal(ClassifierHeadFile.Architecture, config.RootElement.GetProperty("architectures")[0].GetString());

        // An independent double-precision forward pass of the head as read must agree with the trainer's own evaluation.
        for (var row = 0; row < test.Count; row++)
        {
            var probabilities = ReferenceHead.Probabilities(read.Head, test.Row(row));
            Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), result.Test!.Predictions[row]);
            Assert.Equal(probabilities[1], result.Test.Probabilities[(row * 2) + 1], tolerance: 1e-5);
        }
    }

    [Fact]
    public void Label_names_are_written_to_config_and_read_back()
    {
        using var folder = new TempDirectory();
        var head = Head(hidden: 4, labels: 3);

        ClassifierHeadFile.Write(folder.Path, head, ["membrane", "cytoplasm", "nucleus"]);
        var read = ClassifierHeadFile.Read(folder.Path);

        Assert.Equal(["membrane", "cytoplasm", "nucleus"], read.Labels);
        Assert.Equal(head.OutProjWeight, read.Head.OutProjWeight);
    }

    [Fact]
    public void Label_names_that_do_not_fit_the_head_are_refused()
    {
        using var folder = new TempDirectory();
        var head = Head(hidden: 4, labels: 2);

        var count = Assert.Throws<ArgumentException>(() => ClassifierHeadFile.Write(folder.Path, head, ["only one"]));
        Assert.Contains("1 label names for a head with 2 outputs", count.Message, StringComparison.Ordinal);
        var duplicate = Assert.Throws<ArgumentException>(() => ClassifierHeadFile.Write(folder.Path, head, ["same", "same"]));
        Assert.Contains("must be distinct", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_refuses_tensors_that_disagree_with_config_or_are_missing()
    {
        using var folder = new TempDirectory();
        ClassifierHeadFile.Write(folder.Path, Head(hidden: 4, labels: 2));
        var configPath = folder.Combine(ClassifierHeadFile.ConfigFileName);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"hidden_size\": 4", "\"hidden_size\": 5", StringComparison.Ordinal));

        var shape = Assert.Throws<CheckpointFormatException>(() => ClassifierHeadFile.Read(folder.Path));
        Assert.Contains("'classifier.dense.weight' has shape [4, 4] but config.json implies [5, 5]", shape.Message, StringComparison.Ordinal);

        using var partial = new TempDirectory();
        ClassifierHeadFile.Write(partial.Path, Head(hidden: 4, labels: 2));
        SafetensorsWriter.Write(
            partial.Combine(ClassifierHeadFile.WeightsFileName),
            [SafetensorsWriter.Float32(ClassifierHead.DenseWeightName, [4, 4], new float[16]), SafetensorsWriter.Float32(ClassifierHead.DenseBiasName, [4], new float[4])]);

        var missing = Assert.Throws<CheckpointFormatException>(() => ClassifierHeadFile.Read(partial.Path));
        Assert.Contains("tensor 'classifier.out_proj.weight' is missing", missing.Message, StringComparison.Ordinal);
    }

    private static ClassifierHead Head(int hidden, int labels)
    {
        var parameters = HeadParameters.Initial(hidden, labels, new Random(hidden * labels));
        return parameters.ToHead();
    }
}
