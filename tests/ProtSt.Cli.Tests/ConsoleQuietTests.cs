using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>
/// The console carries the command's own lines, not the embedded silo's log (issue 26, item 6): the README's first
/// command on a fresh cache (the demo model generated on first use), a short screen on the warm cache, and a failed
/// <c>--on-invalid fail</c> run print no <c>warn:</c>/<c>fail:</c> line and no stack trace; only the failed run names
/// the silo's log file, in one line.
/// </summary>
public sealed class ConsoleQuietTests
{
    private static string Fasta(int count)
    {
        var random = new Random(26);
        return RandomProteins.Fasta(random, count, 40, 300);
    }

    // A run that went wrong may name the silo's log file in one line; one that went right names nothing.
    private static void AssertQuiet(string what, (int ExitCode, string Output, string Error) run, bool mayNameTheLog = false)
    {
        foreach (var line in (run.Output + "\n" + run.Error).Split('\n'))
        {
            Assert.False(
                line.Contains("warn:", StringComparison.Ordinal) || line.Contains("fail:", StringComparison.Ordinal) || line.TrimStart().StartsWith("at ", StringComparison.Ordinal)
                    || line.Contains("Exception", StringComparison.Ordinal) || (!mayNameTheLog && line.StartsWith("silo log:", StringComparison.Ordinal)),
                $"{what} printed a line of the silo's log: '{line}'\n--- stdout\n{run.Output}\n--- stderr\n{run.Error}");
        }
    }

    [Fact]
    public async Task A_fresh_cache_a_warm_one_and_a_failed_run_print_only_the_commands_lines()
    {
        using var scratch = new TempDirectory();
        var home = new Dictionary<string, string> { ["PROTST_HOME"] = scratch.Combine("home") };
        var sample = scratch.Write("sample-proteome.fasta", Fasta(200));

        var fresh = await Protst.RunAsync(home, "screen", "--input", sample, "-o", scratch.Combine("out", "screen"), "--keep-view", "false");
        Assert.True(fresh.ExitCode == 0, fresh.Error);
        AssertQuiet("the first screen on a fresh cache", fresh);

        var small = scratch.Write("six.fasta", Fasta(6));
        var warm = await Protst.RunAsync(home, "screen", "--input", small, "-o", scratch.Combine("out", "six"), "--keep-view", "false");
        Assert.True(warm.ExitCode == 0, warm.Error);
        AssertQuiet("a short screen on a warm cache", warm);

        var invalid = scratch.Write("invalid.fasta", ">ok\nMKV\n>bad\nMK1V\n");
        var failed = await Protst.RunAsync(home, "screen", "--input", invalid, "-o", scratch.Combine("out", "invalid"), "--on-invalid", "fail", "--keep-view", "false");
        Assert.Equal(1, failed.ExitCode);
        AssertQuiet("a failed --on-invalid fail run", failed, mayNameTheLog: true);
        Assert.Single(failed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
    }
}
