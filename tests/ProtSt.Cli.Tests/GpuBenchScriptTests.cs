using System.Globalization;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>bench/gpu/run.sh end to end on CPU at small size: model, both precisions, both methods, the results file.</summary>
public sealed class GpuBenchScriptTests
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "bench", "gpu", "run.sh");

    [Fact]
    public async Task The_gpu_benchmark_runs_on_cpu_at_small_size_and_writes_its_figures()
    {
        using var scratch = new TempDirectory();
        var run = await Protst.ProgramAsync(
            "bash", TimeSpan.FromMinutes(4), Script, "--accelerator", "cpu", "--small", "--sequences", "12", "--bin", AppContext.BaseDirectory, "--work", scratch.Path);
        Assert.True(run.ExitCode == 0, $"{run.Output}\n{run.Error}");
        Assert.Contains("(b)/(a) = ", run.Output, StringComparison.Ordinal);
        Assert.Contains("nvidia-smi not found", run.Output, StringComparison.Ordinal);

        var lines = File.ReadAllLines(scratch.Combine("results-cpu-small.tsv"));
        var rows = lines.Skip(1).Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();
        Assert.Equal(["fp32 published", "fp32 cluster", "fp16 published", "fp16 cluster"], rows.Select(r => $"{r[0]} {r[1]}"));
        Assert.All(rows, r =>
        {
            Assert.Equal("12", r[2]);
            Assert.True(double.Parse(r[4], CultureInfo.InvariantCulture) > 0, string.Join(' ', r));
            Assert.True(double.Parse(r[5], CultureInfo.InvariantCulture) > 0, string.Join(' ', r));
        });
        Assert.Equal(2, lines.Count(l => l.Contains("(b)/(a) = ", StringComparison.Ordinal)));
    }
}
