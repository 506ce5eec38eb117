using System.Globalization;
using System.Text.Json;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst finetune</c>: the published recipe against torch, and a served classifier folder that predicts what training reported.</summary>
public sealed class FinetuneTests
{
    // fixtures/goldens/finetune-tiny's stated tolerances: trained weights 2e-4, test probabilities 1e-3; its losses are
    // float32 means of 48 terms, here taken over features computed by the converted encoder (1e-4 from torch's).
    private const double WeightTolerance = 2e-4;
    private const double ProbabilityTolerance = 1e-3;
    private const double LossTolerance = 1e-4;

    private static readonly string Golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "finetune-tiny");

    [Fact]
    public async Task The_published_finetune_from_a_converted_classifier_ends_at_torchs_weights_and_screen_gives_torchs_probabilities()
    {
        using var scratch = new TempDirectory();
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden, "-o", scratch.Combine("classifier"))).ExitCode);

        var finetune = await Protst.RunAsync(
            "finetune", "--train", Path.Combine(Golden, "train.csv"), "--valid", Path.Combine(Golden, "valid.csv"), "--test", Path.Combine(Golden, "test.csv"),
            "--model", scratch.Combine("classifier"), "-o", scratch.Combine("tuned"), "--batch-size", "48", "--epochs", "20", "--lr", "0.001", "--keep", "last");
        Assert.True(finetune.ExitCode == 0, finetune.Error);
        Assert.Contains("from its checkpoint weights", finetune.Output, StringComparison.Ordinal);
        Assert.Matches(@"epoch  20: loss [0-9.]+, .*, [0-9.]+ s", finetune.Output);

        var expected = SafetensorsReader.Read(Path.Combine(Golden, "expected.safetensors"));
        var trained = SafetensorsReader.Read(scratch.Combine("tuned", "head", "model.safetensors"));
        foreach (var name in new[] { "classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight", "classifier.out_proj.bias" })
        {
            var difference = MaxDifference(expected.Get(name).ReadFloat32(), trained.Get(name).ReadFloat32());
            Assert.True(difference <= WeightTolerance, $"{name} is {difference:G3} from torch's");
        }

        using (var metrics = JsonDocument.Parse(await File.ReadAllBytesAsync(scratch.Combine("tuned", "metrics.json"))))
        {
            var losses = metrics.RootElement.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("train_loss").GetDouble()).ToArray();
            var torchLosses = expected.Get("losses").ReadFloat32();
            Assert.Equal(torchLosses.Length, losses.Length);
            Assert.All(Enumerable.Range(0, losses.Length), i => Assert.True(
                Math.Abs(losses[i] - torchLosses[i]) <= LossTolerance, $"loss before step {i + 1}: {losses[i]:G7}, torch {torchLosses[i]:G7}"));
            Assert.Equal(20, metrics.RootElement.GetProperty("kept_epoch").GetInt32());
        }

        var screen = await Protst.RunAsync("screen", "--task", "classify", "-i", Path.Combine(Golden, "test.csv"), "-m", scratch.Combine("tuned"), "-o", scratch.Combine("screen"));
        Assert.True(screen.ExitCode == 0, screen.Error);
        var probabilities = (await File.ReadAllLinesAsync(scratch.Combine("screen", "results.tsv")))[1..]
            .SelectMany(l => l.Split('\t')[4..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)))
            .ToArray();
        var torchProbabilities = expected.Get("test_probabilities").ReadFloat32();
        Assert.Equal(torchProbabilities.Length, probabilities.Length);
        var probabilityDifference = MaxDifference(torchProbabilities, probabilities);
        Assert.True(probabilityDifference <= ProbabilityTolerance, $"test probabilities are {probabilityDifference:G3} from torch's");
    }

    [Fact]
    public async Task Finetune_refuses_a_head_of_another_size_and_an_output_on_the_models_folder()
    {
        using var scratch = new TempDirectory();
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden, "-o", scratch.Combine("classifier"))).ExitCode);
        var labels = scratch.Write("labels.tsv", "id\tname\n0\ta\n1\tb\n2\tc\n");
        string[] Splits() => ["--train", Path.Combine(Golden, "train.csv"), "--valid", Path.Combine(Golden, "valid.csv"), "--test", Path.Combine(Golden, "test.csv")];

        var wider = await Protst.RunAsync(["finetune", .. Splits(), "--model", scratch.Combine("classifier"), "-o", scratch.Combine("out"), "--labels", labels]);
        Assert.Equal(1, wider.ExitCode);
        Assert.Contains("predicts 2 classes but the labels name 3", wider.Error, StringComparison.Ordinal);

        var onItself = await Protst.RunAsync(["finetune", .. Splits(), "--model", scratch.Combine("classifier"), "-o", scratch.Combine("classifier")]);
        Assert.Equal(1, onItself.ExitCode);
        Assert.Contains("--output must be a new folder", onItself.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_synthetic_families_train_to_high_accuracy_and_screen_predicts_what_training_reported()
    {
        using var scratch = new TempDirectory();
        var random = new Random(11);

        // Family 0 is rich in hydrophobic residues, family 1 in charged and polar ones; 30% of residues are uniform noise.
        string Protein(int family) => new(Enumerable.Range(0, random.Next(40, 220))
            .Select(_ => random.NextDouble() < 0.3 ? "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)] : (family == 0 ? "LIVFMWAG" : "DEKRQNST")[random.Next(8)])
            .ToArray());
        string Split(string name, int count) => scratch.Write($"{name}.csv", "Unnamed: 0,prot_seq,localization\n" + string.Concat(
            Enumerable.Range(0, count).Select(i => $"{name}{i},{string.Join(' ', Protein(i % 2).ToCharArray())},{i % 2}\n")));
        var (train, valid, test) = (Split("train", 80), Split("valid", 30), Split("test", 30));
        var labels = scratch.Write("labels.tsv", "id\tname\n0\tmembrane\n1\tsoluble\n");
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", scratch.Combine("encoder"))).ExitCode);

        var finetune = await Protst.RunAsync(
            "finetune", "--train", train, "--valid", valid, "--test", test, "--model", scratch.Combine("encoder"), "-o", scratch.Combine("classifier"),
            "--labels", labels, "--lr", "1e-3", "--epochs", "60", "--patience", "15", "--seed", "3");
        Assert.True(finetune.ExitCode == 0, finetune.Error);
        Assert.Contains("embedding 140 sequences (80 train, 30 valid, 30 test) once", finetune.Output, StringComparison.Ordinal);
        Assert.Contains("epoch   1:", finetune.Output, StringComparison.Ordinal);

        using (var metrics = JsonDocument.Parse(await File.ReadAllBytesAsync(scratch.Combine("classifier", "metrics.json"))))
        {
            var accuracy = metrics.RootElement.GetProperty("accuracy").GetDouble();
            Assert.True(accuracy >= 0.9, $"test accuracy {accuracy}");
            Assert.Equal(30, metrics.RootElement.GetProperty("n").GetInt32());
            Assert.InRange(metrics.RootElement.GetProperty("history").GetArrayLength(), 1, 60);
        }

        // The folder serves the encoder it was trained on without copying it, and holds the head in the HF layout.
        Assert.False(File.Exists(scratch.Combine("classifier", "model.onnx")));
        Assert.True(File.Exists(scratch.Combine("classifier", "head", "model.safetensors")));

        var screen = await Protst.RunAsync("screen", "-i", test, "-m", scratch.Combine("classifier"), "-o", scratch.Combine("screen"));
        Assert.True(screen.ExitCode == 0, screen.Error);
        var reported = (await File.ReadAllLinesAsync(scratch.Combine("classifier", "test-predictions.tsv")))[1..].Select(l => l.Split('\t')).ToList();
        var screened = (await File.ReadAllLinesAsync(scratch.Combine("screen", "results.tsv")))[1..].Select(l => l.Split('\t')).ToList();
        Assert.Equal(reported.Select(r => (r[0], r[2])), screened.Select(r => (r[0], r[3])));

        // A changed encoder folder makes the classifier refuse to open, naming the reason.
        File.AppendAllText(scratch.Combine("encoder", "manifest.json"), " ");
        var stale = await Protst.RunAsync("screen", "-i", test, "-m", scratch.Combine("classifier"), "-o", scratch.Combine("stale"));
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("manifest has changed", stale.Error, StringComparison.Ordinal);
    }

    private static double MaxDifference(float[] expected, float[] actual) =>
        Enumerable.Range(0, expected.Length).Max(i => Math.Abs((double)expected[i] - actual[i]));
}
