using System.Globalization;
using System.Text.Json;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>ProtST through the real program: convert, screen --task zero-shot|classify, eval and search reproduce the goldens.</summary>
public sealed class ProtStCommandsTests
{
    private const double Tolerance = 1e-4;

    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", name);

    [Fact]
    public async Task Zero_shot_eval_and_search_reproduce_the_reference()
    {
        using var scratch = new TempDirectory();
        var golden = ProtStGolden.Load("protst-tiny");
        var (proteins, prompts, expected) = (golden.Proteins, golden.Prompts, golden.Expected);
        var predictions = golden.Int64("prediction");
        var labels = predictions.Select((p, i) => i % 2 == 0 ? p : (p + 1) % 10).ToArray();
        var handAccuracy = labels.Zip(predictions).Count(pair => pair.First == pair.Second) / (double)labels.Length;

        // The ProtST dataset layout: residues separated by spaces, labels as class ids.
        var csv = scratch.Write("subloc.csv", "Unnamed: 0,prot_seq,localization\n" + string.Concat(proteins.Select((p, i) => $"{i},{string.Join(' ', p.ToCharArray())},{labels[i]}\n")));
        var convert = await Protst.RunAsync("model", "convert", Golden("protst-tiny"), "-o", scratch.Combine("model"));
        Assert.True(convert.ExitCode == 0, convert.Error);
        Assert.Contains("zero-shot", convert.Output, StringComparison.Ordinal);

        var eval = await Protst.RunAsync("eval", "-i", csv, "-m", scratch.Combine("model"), "-o", scratch.Combine("eval"));
        Assert.True(eval.ExitCode == 0, eval.Error);

        var results = await File.ReadAllLinesAsync(scratch.Combine("eval", "results.tsv"));
        Assert.Equal("id\tlength\ttruncated\tlabel\t" + string.Join('\t', ProtStGolden.LocationNames.Select(n => "score:" + n)), results[0]);
        var logits = expected.Get("logits").ReadFloat32();
        for (var i = 0; i < proteins.Length; i++)
        {
            var fields = results[i + 1].Split('\t');
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), fields[0]);
            Assert.Equal(proteins[i].Length > 1022 ? "true" : "false", fields[2]);
            Assert.Equal(ProtStGolden.LocationNames[(int)predictions[i]], fields[3]);
            Assertions.Close(fields[4..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(), logits.AsSpan(i * 10, 10), Tolerance, $"scores of protein {i}");
        }

        using (var metrics = JsonDocument.Parse(await File.ReadAllBytesAsync(scratch.Combine("eval", "metrics.json"))))
        {
            Assert.Equal(handAccuracy, metrics.RootElement.GetProperty("accuracy").GetDouble(), 12);
            Assert.Equal(proteins.Length, metrics.RootElement.GetProperty("n").GetInt32());
            Assert.Equal(10, metrics.RootElement.GetProperty("per_class").GetArrayLength());
            Assert.Equal(proteins.Length, metrics.RootElement.GetProperty("confusion_matrix").EnumerateArray().Sum(r => r.EnumerateArray().Sum(v => v.GetInt64())));
        }

        var predicted = (await File.ReadAllLinesAsync(scratch.Combine("eval", "predictions.tsv")))[1..].Select(l => l.Split('\t')).ToList();
        Assert.Equal(labels.Select(l => ProtStGolden.LocationNames[(int)l]), predicted.Select(p => p[1]));
        Assert.Equal(predictions.Select(p => ProtStGolden.LocationNames[(int)p]), predicted.Select(p => p[2]));

        // Search ranks the screened proteins by the score of any text, here the accented prompt (column 10 of logits_all).
        var search = await Protst.RunAsync("search", "-q", prompts[10], "-e", scratch.Combine("eval"), "-m", scratch.Combine("model"), "-k", "3");
        Assert.True(search.ExitCode == 0, search.Error);
        var all = expected.Get("logits_all").ReadFloat32();
        var reference = Enumerable.Range(0, proteins.Length).Select(i => (Id: i.ToString(CultureInfo.InvariantCulture), Score: all[(i * 12) + 10])).OrderByDescending(p => p.Score).Take(3).ToList();
        var ranked = search.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(l => l.Split('\t')).ToList();
        Assert.Equal(reference.Select(r => r.Id), ranked.Select(r => r[1]));
        Assertions.Close(ranked.Select(r => float.Parse(r[2], CultureInfo.InvariantCulture)).ToArray(), reference.Select(r => r.Score).ToArray(), Tolerance, "search scores");
    }

    [Fact]
    public async Task Classify_writes_reference_probabilities_and_wrong_tasks_are_refused()
    {
        using var scratch = new TempDirectory();
        var golden = ProtStGolden.Load("protst-cls-tiny");
        var (proteins, expected) = (golden.Proteins, golden.Expected);
        var fasta = scratch.Write("in.fasta", string.Concat(proteins.Select((p, i) => $">p{i}\n{p}\n")));
        var model = SharedModels.Golden("protst-cls-tiny");

        var screen = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--task", "classify");
        Assert.True(screen.ExitCode == 0, screen.Error);
        var results = await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"));
        Assert.Equal("id\tlength\ttruncated\tlabel\tprob:LABEL_0\tprob:LABEL_1", results[0]);
        var probabilities = expected.Get("probabilities").ReadFloat32();
        var predictions = golden.Int64("prediction");
        for (var i = 0; i < proteins.Length; i++)
        {
            var fields = results[i + 1].Split('\t');
            Assert.Equal($"LABEL_{predictions[i]}", fields[3]);
            Assertions.Close(fields[4..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray(), probabilities.AsSpan(i * 2, 2), Tolerance, $"probabilities of protein {i}");
        }

        var zeroShot = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("bad"), "--task", "zero-shot");
        Assert.Equal(1, zeroShot.ExitCode);
        Assert.Contains("--task zero-shot needs a ProtST zero-shot model", zeroShot.Error, StringComparison.Ordinal);

        var search = await Protst.RunAsync("search", "-q", "membrane", "-e", scratch.Combine("out"), "-m", model);
        Assert.Equal(1, search.ExitCode);
        Assert.Contains("no text tower", search.Error, StringComparison.Ordinal);

        var eval = await Protst.RunAsync("eval", "-i", fasta, "-m", SharedModels.Golden("esm2-tiny"), "-o", scratch.Combine("eval"));
        Assert.Equal(1, eval.ExitCode);
        Assert.Contains("encoder-only model", eval.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_untrained_ProtST_demo_runs_zero_shot_with_the_default_labels_and_says_it_is_untrained()
    {
        using var scratch = new TempDirectory();
        Assert.Equal(0, (await Protst.RunAsync("model", "demo", "--protst", "-o", scratch.Combine("checkpoint"))).ExitCode);
        var convert = await Protst.RunAsync("model", "convert", scratch.Combine("checkpoint"), "-o", scratch.Combine("model"));
        Assert.True(convert.ExitCode == 0, convert.Error);

        var fasta = scratch.Write("in.fasta", ">a\nMKVLAAGIVGLLLAQ\n>b\nMSTNPKPQRKTKRNT\n");
        var screen = await Protst.RunAsync("screen", "-i", fasta, "-m", scratch.Combine("model"), "-o", scratch.Combine("out"));
        Assert.True(screen.ExitCode == 0, screen.Error);
        Assert.Contains("UNTRAINED", screen.Error, StringComparison.Ordinal);
        var results = await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"));
        Assert.Equal(3, results.Length);
        Assert.Equal(4 + 10, results[0].Split('\t').Length);
        Assert.All(results[1..], line => Assert.Contains(line.Split('\t')[3], ProtStGolden.LocationNames));
    }
}
