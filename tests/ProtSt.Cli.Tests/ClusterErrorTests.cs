using System.Diagnostics;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary>
/// A user's mistake or a service that is not there ends <c>protst screen</c> with one <c>error:</c> line naming the
/// cause, no stack trace, and the resume hint only when <c>--resume</c> could help.
/// </summary>
public sealed class ClusterErrorTests(ITestOutputHelper output)
{
    private const string Fasta = ">a\nMKTAYIAKQR\n>b\nMKLVVLGA\n";

    [Fact]
    public async Task Screen_at_a_redis_that_does_not_answer_says_so_in_one_line()
    {
        using var scratch = new TempDirectory();
        var port = LoopbackPorts.Free();
        var (exitCode, _, error) = await Protst.RunAsync("screen", "--cluster", $"127.0.0.1:{port}", "-i", scratch.Write("in.fasta", Fasta), "-m", SharedModels.Demo(), "-o", scratch.Combine("out"));

        Assert.Equal(1, exitCode);
        AssertOneErrorLine(error, $"error: the cluster's membership store (Redis at 127.0.0.1:{port}) does not answer");
    }

    [Fact]
    public async Task Screen_at_a_cluster_without_silos_gives_up_after_its_connect_timeout_in_one_line()
    {
        using var scratch = new TempDirectory();
        var port = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(port);
        try
        {
            var clock = Stopwatch.StartNew();
            var (exitCode, _, error) = await Protst.RunAsync(
                new Dictionary<string, string> { ["PROTST_Screen__ConnectTimeout"] = "00:00:03" },
                "screen", "--cluster", $"127.0.0.1:{port}", "-i", scratch.Write("in.fasta", Fasta), "-m", SharedModels.Demo(), "-o", scratch.Combine("out"));
            output.WriteLine($"exit {exitCode} after {clock.Elapsed.TotalSeconds:F1} s");

            Assert.Equal(1, exitCode);
            AssertOneErrorLine(error, $"error: no silo of the cluster at 127.0.0.1:{port} (cluster id 'protst') accepted a connection within 3 s: start one with: protst silo --cluster 127.0.0.1:{port}");

            // Orleans' own retries took 180 s; what remains is the connect timeout plus starting the process.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await Processes.StopAsync([redis]);
        }
    }

    [Fact]
    public async Task An_output_path_that_is_a_file_is_refused_before_the_cluster_is_asked()
    {
        using var scratch = new TempDirectory();
        var file = scratch.Write("results", "not a folder\n");
        var fasta = scratch.Write("in.fasta", Fasta);

        // The cluster named does not exist: the output is checked first, so that is not what the error says.
        var (exitCode, _, error) = await Protst.RunAsync("screen", "--cluster", $"127.0.0.1:{LoopbackPorts.Free()}", "-i", fasta, "-m", SharedModels.Demo(), "-o", file);
        Assert.Equal(1, exitCode);
        AssertOneErrorLine(error, $"error: the output '{file}' is a file; give a folder (created if missing).");
        Assert.Equal("not a folder\n", await File.ReadAllTextAsync(file));

        (exitCode, _, error) = await Protst.RunAsync("screen", "-i", fasta, "-m", SharedModels.Demo(), "-o", Path.Combine(file, "out"));
        Assert.Equal(1, exitCode);
        AssertOneErrorLine(error, $"error: the output folder '{Path.Combine(file, "out")}' cannot be created: '{file}' is a file.");
    }

    [Fact]
    public async Task A_model_folder_whose_manifest_disagrees_with_its_graph_is_named_with_the_cause_and_no_resume_hint()
    {
        using var scratch = new TempDirectory();
        var model = scratch.Combine("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.EnumerateFiles(SharedModels.Demo()))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        var manifest = Path.Combine(model, "manifest.json");
        var text = await File.ReadAllTextAsync(manifest);
        Assert.Contains("\"hidden_size\": 128", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(manifest, text.Replace("\"hidden_size\": 128", "\"hidden_size\": 256", StringComparison.Ordinal));

        var (exitCode, _, error) = await Protst.RunAsync("screen", "-i", scratch.Write("in.fasta", Fasta), "-m", model, "-o", scratch.Combine("out"));
        Assert.Equal(1, exitCode);
        Assert.Contains(
            $"error: No device could open the model folder: {Path.Combine(model, "model.onnx")} produces 128-wide embeddings but the manifest says hidden_size 256.",
            error,
            StringComparison.Ordinal);

        // --resume replays the same model: it would fail the same way.
        Assert.DoesNotContain("--resume", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_model_line_is_printed_by_the_run_that_generates_it_only()
    {
        using var scratch = new TempDirectory();
        var home = new Dictionary<string, string> { ["PROTST_HOME"] = scratch.Combine("home") };
        var fasta = scratch.Write("in.fasta", Fasta);

        var first = await Protst.RunAsync(home, "embed", "--fasta", fasta, "-o", scratch.Combine("first.tsv"));
        var second = await Protst.RunAsync(home, "embed", "--fasta", fasta, "-o", scratch.Combine("second.tsv"));

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("preparing the built-in demo model", first.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("preparing the built-in demo model", second.Error, StringComparison.Ordinal);
        Assert.Contains("UNTRAINED demo model", second.Error, StringComparison.Ordinal);
    }

    // The untrained demo model's warning may come first; then the error, alone, and no stack trace.
    private static void AssertOneErrorLine(string error, string expectedStart)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("warning: this model is the UNTRAINED demo model", StringComparison.Ordinal))
            .ToList();
        var line = Assert.Single(lines);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
    }
}
