using System.Text.Json;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst finetune</c> on the demo encoder: a served classifier folder that predicts what training reported.</summary>
public sealed class FinetuneTests
{
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
}
