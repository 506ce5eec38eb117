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
        var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, Records).Select(i =>
            $">S{i}\n{RandomProteins.Sequence(random, 100, 200)}\n")));
        var model = SharedModels.Golden("esm2-tiny");

        // A 1 MiB device: per-residue states of 160 records do not fit, a few parts do.
        var device = scratch.Combine("device");
        Directory.CreateDirectory(device);
        Mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", device);
        try
        {
            var output = Path.Combine(device, "out");
            var full = await Protst.RunAsync(SmallShards, "screen", "-i", fasta, "-m", model, "-o", output, "--keep-view", "false", "--include", "mean,per-residue");
            Assert.NotEqual(0, full.ExitCode);
            // The other line stderr may hold is where the embedded silo's log went.
            var line = Assert.Single(full.Error.Split('\n', StringSplitOptions.TrimEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains($"'{output}'", line, StringComparison.Ordinal);
            Assert.Contains("no space left", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("   at ", full.Error + full.Output, StringComparison.Ordinal);

            var parts = Directory.GetFileSystemEntries(Path.Combine(output, "parts"));
            Assert.NotEmpty(parts);

            Mount("-o", "remount,size=64m", device);
            var resumed = await Protst.RunAsync(SmallShards, "screen", "--resume", output, "--keep-view", "false");
            Assert.True(resumed.ExitCode == 0, resumed.Error);
            var ids = File.ReadLines(Path.Combine(output, ScreenResultWriter.ResultsFile)).Skip(1).Select(l => l.Split('\t')[0]).ToList();
            Assert.Equal(Enumerable.Range(0, Records).Select(i => $"S{i}"), ids);
        }
        finally
        {
            Mount("-l", device, umount: true);
        }
    }

    [TmpfsFact]
    public async Task An_output_folder_turned_read_only_mid_job_fails_with_one_line_keeps_whole_parts_and_resume_completes_it()
    {
        using var scratch = new TempDirectory();
        var random = new Random(30);
        const int Records = 160;
        var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, Records).Select(i =>
            $">R{i}\n{RandomProteins.Sequence(random, 100, 200)}\n")));
        var model = SharedModels.Golden("esm2-tiny");

        // Root writes through a folder's mode bits, so the device itself turns read-only (EROFS), as a failing disk
        // remounted read-only by the kernel would.
        var device = scratch.Combine("device");
        Directory.CreateDirectory(device);
        Mount("-t", "tmpfs", "-o", "size=64m", "tmpfs", device);
        try
        {
            var output = Path.Combine(device, "out");
            var parts = Path.Combine(output, "parts");
            var run = Protst.RunAsync(SmallShards, "screen", "-i", fasta, "-m", model, "-o", output, "--keep-view", "false", "--include", "mean,per-residue");
            while (!run.IsCompleted && !(Directory.Exists(parts) && Directory.GetFileSystemEntries(parts).Length > 0))
            {
                await Task.Delay(20);
            }

            // A remount to read-only is refused (busy) while a file is open for writing: tried between a part's writes.
            var readOnly = false;
            while (!run.IsCompleted && !(readOnly = TryMount("-o", "remount,ro", device)))
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

            Mount("-o", "remount,rw", device);
            var resumed = await Protst.RunAsync(SmallShards, "screen", "--resume", output, "--keep-view", "false");
            Assert.True(resumed.ExitCode == 0, resumed.Error);
            var ids = File.ReadLines(Path.Combine(output, ScreenResultWriter.ResultsFile)).Skip(1).Select(l => l.Split('\t')[0]).ToList();
            Assert.Equal(Enumerable.Range(0, Records).Select(i => $"R{i}"), ids);
        }
        finally
        {
            Mount("-l", device, umount: true);
        }
    }

    private static void Mount(params string[] arguments) => Mount(arguments, umount: false);

    private static void Mount(string argument, string device, bool umount) => Mount([argument, device], umount);

    private static void Mount(string[] arguments, bool umount)
    {
        using var process = System.Diagnostics.Process.Start(umount ? "umount" : "mount", arguments);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{(umount ? "umount" : "mount")} {string.Join(' ', arguments)} exited {process.ExitCode}");
    }

    private static bool TryMount(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("mount", arguments) { RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
