using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>A screen whose output device fills or turns read-only mid-job: one line, the whole parts kept, and <c>--resume</c> completes it once it is writable.</summary>
public sealed class DiskFullTests
{
    private static readonly Dictionary<string, string> SmallShards = new() { ["PROTST_Screen__ShardSize"] = "8", ["PROTST_Screen__MaxShardsInFlight"] = "1" };

    [TmpfsFact]
    public async Task A_full_disk_fails_the_job_with_one_line_keeps_whole_parts_and_resume_completes_it()
    {
        using var scratch = new TempDirectory();
        var random = new Random(26);
        const int Records = 160;
        var fasta = scratch.Write("in.fasta", RandomProteins.Fasta(random, Records, 100, 200, "S"));
        var model = SharedModels.Golden("esm2-tiny");

        // A 1 MiB device: per-residue states of 160 records do not fit, a few parts do.
        using var device = new TmpfsDevice(scratch.Combine("device"), "1m");
        var output = Path.Combine(device.Path, "out");
        var full = await Protst.RunAsync(SmallShards, "screen", "-i", fasta, "-m", model, "-o", output, "--keep-view", "false", "--include", "mean,per-residue");
        Assert.NotEqual(0, full.ExitCode);
        // The other line stderr may hold is where the embedded silo's log went.
        var line = Assert.Single(full.Error.Split('\n', StringSplitOptions.TrimEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"'{output}'", line, StringComparison.Ordinal);
        Assert.Contains("no space left", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", full.Error + full.Output, StringComparison.Ordinal);

        var parts = Directory.GetFileSystemEntries(Path.Combine(output, "parts"));
        Assert.NotEmpty(parts);

        device.Remount("size=64m");
        var resumed = await Protst.RunAsync(SmallShards, "screen", "--resume", output, "--keep-view", "false");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var ids = File.ReadLines(Path.Combine(output, ScreenResultWriter.ResultsFile)).Skip(1).Select(l => l.Split('\t')[0]).ToList();
        Assert.Equal(Enumerable.Range(0, Records).Select(i => $"S{i}"), ids);
    }

    [TmpfsFact]
    public async Task An_output_folder_turned_read_only_mid_job_fails_with_one_line_keeps_whole_parts_and_resume_completes_it()
    {
        using var scratch = new TempDirectory();
        var random = new Random(30);
        const int Records = 160;
        var fasta = scratch.Write("in.fasta", RandomProteins.Fasta(random, Records, 100, 200, "R"));
        var model = SharedModels.Golden("esm2-tiny");

        // Root writes through a folder's mode bits, so the device itself turns read-only (EROFS), as a failing disk
        // remounted read-only by the kernel would.
        using var device = new TmpfsDevice(scratch.Combine("device"), "64m");
        var output = Path.Combine(device.Path, "out");
        var parts = Path.Combine(output, "parts");
        var run = Protst.RunAsync(SmallShards, "screen", "-i", fasta, "-m", model, "-o", output, "--keep-view", "false", "--include", "mean,per-residue");
        while (!run.IsCompleted && !(Directory.Exists(parts) && Directory.GetFileSystemEntries(parts).Length > 0))
        {
            await Task.Delay(20);
        }

        // A remount to read-only is refused (busy) while a file is open for writing: tried between a part's writes.
        var readOnly = false;
        while (!run.IsCompleted && !(readOnly = device.TryRemount("ro")))
        {
            await Task.Delay(10);
        }

        Assert.True(readOnly, "the job ended before its device could be made read-only");
        var failed = await run;
        Assert.NotEqual(0, failed.ExitCode);
        var line = Assert.Single(failed.Error.Split('\n', StringSplitOptions.TrimEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"'{output}'", line, StringComparison.Ordinal);
        Assert.Contains("read-only", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", failed.Error + failed.Output, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFileSystemEntries(parts));

        device.Remount("rw");
        var resumed = await Protst.RunAsync(SmallShards, "screen", "--resume", output, "--keep-view", "false");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var ids = File.ReadLines(Path.Combine(output, ScreenResultWriter.ResultsFile)).Skip(1).Select(l => l.Split('\t')[0]).ToList();
        Assert.Equal(Enumerable.Range(0, Records).Select(i => $"R{i}"), ids);
    }

    /// <summary>A tmpfs mounted at a folder of the test's scratch for the test's length (lazily unmounted at its end).</summary>
    private sealed class TmpfsDevice : IDisposable
    {
        public TmpfsDevice(string path, string size)
        {
            Directory.CreateDirectory(path);
            Path = path;
            Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        }

        public string Path { get; }

        public void Remount(string options) => Run("mount", "-o", $"remount,{options}", Path);

        /// <summary>A remount that may be refused (busy while a file is open for writing): false then, nothing thrown.</summary>
        public bool TryRemount(string options)
        {
            var start = new System.Diagnostics.ProcessStartInfo("mount", ["-o", $"remount,{options}", Path]) { RedirectStandardError = true };
            using var process = System.Diagnostics.Process.Start(start)!;
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }

        public void Dispose() => Run("umount", "-l", Path);

        private static void Run(string command, params string[] arguments)
        {
            using var process = System.Diagnostics.Process.Start(command, arguments);
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} exited {process.ExitCode}");
        }
    }
}
