using System.Globalization;
using System.Text.RegularExpressions;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>
/// bench scale-processes at its smallest (one silo process, 200 records, no warm-up): the cluster comes up, the client's
/// job is measured and its output checked, the table row is printed and written, and the cluster is taken down.
/// </summary>
public sealed class ScaleProcessesBenchTests
{
    [Fact]
    public async Task One_silo_process_screens_a_small_proteome_into_a_table_row_and_is_taken_down()
    {
        using var scratch = new TempDirectory();
        var run = await Protst.ProgramAsync(
            "dotnet", TimeSpan.FromMinutes(4), Path.Combine(AppContext.BaseDirectory, "ProtSt.Bench.dll"), "scale-processes",
            "--silos", "1", "--per-device", "100", "--no-warmup", "--settle-seconds", "0", "--idle-seconds", "1", "--work", scratch.Path,
            "--protst", $"dotnet {Path.Combine(AppContext.BaseDirectory, "protst.dll")}");
        Assert.True(run.ExitCode == 0, $"{run.Output}\n{run.Error}");
        Assert.Contains("1 silos: 200 rows", run.Error, StringComparison.Ordinal);
        Assert.Contains("output verified", run.Error, StringComparison.Ordinal);

        // | silos | devices | records | job s | sequences/s | ideal seq/s | padded tokens/s | ideal padded tokens/s | % of ideal | device busy | aggregator calls (/s) | silo CPU ...
        var row = Regex.Match(run.Output, @"^\| 1 \| 2 \| 200 \|.*\|$", RegexOptions.Multiline);
        Assert.True(row.Success, run.Output);
        var cells = row.Value.Trim('|').Split('|').Select(c => c.Trim()).ToList();
        Assert.Equal("100,000", cells[7]);
        var share = double.Parse(cells[8].Trim('*', '%'), CultureInfo.InvariantCulture);
        Assert.InRange(share, 1, 100);
        Assert.InRange(double.Parse(cells[9].TrimEnd('%'), CultureInfo.InvariantCulture), share, 100);
        Assert.Matches(@"^(—|[\d,]+ \([\d,]+\))$", cells[10]);
        Assert.Matches(@"^[\d,]+ / [\d,]+ / [\d,]+$", cells[11]);
        Assert.Contains(row.Value, await File.ReadAllTextAsync(scratch.Combine("scale-processes.md")), StringComparison.Ordinal);

        // Taken down: cluster.sh removed its pid files after stopping the processes, and the job's output was cleared.
        Assert.Empty(Directory.EnumerateFiles(scratch.Combine("cluster-1"), "*.pid"));
        Assert.False(Directory.Exists(scratch.Combine("out-1")));
    }
}
