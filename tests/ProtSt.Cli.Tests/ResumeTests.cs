using System.Diagnostics;
using System.Text.Json;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst screen --resume</c>: a screen killed halfway continues from the parts its shards finished.</summary>
public sealed class ResumeTests
{
    private const int Records = 4000;

    // 16 shards of 250 records: a kill leaves some parts finished and some not.
    private static readonly Dictionary<string, string> SmallCheckpoints = new() { ["PROTST_Screen__ShardSize"] = "250", ["PROTST_Screen__MaxShardsInFlight"] = "2" };

    [Fact]
    public async Task A_screen_killed_halfway_resumes_without_recomputing_written_rows_and_ends_equal_to_a_clean_run()
    {
        using var scratch = new TempDirectory();
        var random = new Random(11);
        var fasta = scratch.Write("in.fasta", RandomProteins.Fasta(random, Records, 30, 300, "S"));
        var model = SharedModels.Golden("esm2-tiny");
        var clean = await Protst.RunAsync(SmallCheckpoints, "screen", "-i", fasta, "-m", model, "-o", scratch.Combine("clean"), "--keep-view", "false");
        Assert.True(clean.ExitCode == 0, clean.Error);

        // SIGKILL once a few parts are whole: no handler runs, whatever is in buffers is lost.
        var died = scratch.Combine("died");
        using (var screen = Processes.StartProtst(SmallCheckpoints, "screen", "-i", fasta, "-m", model, "-o", died, "--keep-view", "false"))
        {
            try
            {
                var deadline = Stopwatch.StartNew();
                while (CommittedRecords(died) < 750)
                {
                    Assert.False(screen.HasExited, "the screen ended before it could be killed");
                    Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "no 750 records in finished parts within 2 minutes");
                    await Task.Delay(50);
                }

                screen.Kill();
            }
            finally
            {
                await Processes.StopAsync([screen]);
            }
        }

        var committed = CommittedRecords(died);
        Assert.InRange(committed, 750, Records - 1);

        // The folder is guarded: a new job there is refused, and --resume takes nothing that would change the job.
        var overwrite = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", died, "--keep-view", "false");
        Assert.Equal(1, overwrite.ExitCode);
        Assert.Contains("holds the unfinished job", overwrite.Error, StringComparison.Ordinal);
        var mixed = await Protst.RunAsync("screen", "--resume", died, "-i", fasta);
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("leave out --input", mixed.Error, StringComparison.Ordinal);

        var resumed = await Protst.RunAsync(SmallCheckpoints, "screen", "--resume", died, "--keep-view", "false");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("continuing job ", resumed.Output, StringComparison.Ordinal);

        // Only the records of unfinished parts were computed (every sequence here is distinct).
        Assert.Contains($"screened {Records} records (resumed: {committed} of them from the stopped run) ({Records - committed} distinct sequences", resumed.Output, StringComparison.Ordinal);

        Assert.Equal(await File.ReadAllTextAsync(scratch.Combine("clean", ScreenResultWriter.ResultsFile)), await File.ReadAllTextAsync(Path.Combine(died, ScreenResultWriter.ResultsFile)));
        Assert.Equal(await File.ReadAllTextAsync(scratch.Combine("clean", ScreenResultWriter.FailuresFile)), await File.ReadAllTextAsync(Path.Combine(died, ScreenResultWriter.FailuresFile)));
        var expected = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("clean", ScreenResultWriter.EmbeddingsFile), CancellationToken.None);
        var actual = await EmbeddingParquetReader.ReadAllAsync(Path.Combine(died, ScreenResultWriter.EmbeddingsFile), CancellationToken.None);
        Assert.Equal(expected.Select(r => r.Id), actual.Select(r => r.Id));

        // Batches differ between runs (padding), so values agree to float rounding, not bit for bit.
        var worst = expected.Zip(actual, (e, a) => e.Vector.Zip(a.Vector, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.True(worst <= 1e-5, $"max |diff| {worst}");

        var again = await Protst.RunAsync("screen", "--resume", died);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("is complete", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_refuses_a_changed_input_and_a_folder_without_progress()
    {
        using var scratch = new TempDirectory();
        var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, 40).Select(i => $">Q{i}\nMKVLAAGICDE{new string('L', i + 5)}\n")));
        var model = SharedModels.Golden("esm2-tiny");
        var output = scratch.Combine("out");
        Assert.Equal(0, (await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", output, "--keep-view", "false")).ExitCode);

        // Mark the job unfinished, then change its input: the rows written would not belong to it.
        var record = Path.Combine(output, "job.json");
        await File.WriteAllTextAsync(record, (await File.ReadAllTextAsync(record)).Replace("\"state\": \"completed\"", "\"state\": \"running\"", StringComparison.Ordinal));
        await File.AppendAllTextAsync(fasta, ">extra\nMKV\n");
        var changed = await Protst.RunAsync("screen", "--resume", output);
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("changed since the job started", changed.Error, StringComparison.Ordinal);

        var none = await Protst.RunAsync("screen", "--resume", scratch.Path);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("has no job.json", none.Error, StringComparison.Ordinal);
    }

    // Records in the parts that are whole (renamed into place with their part.json).
    private static long CommittedRecords(string directory)
    {
        var parts = Path.Combine(directory, "parts");
        if (!Directory.Exists(parts))
        {
            return 0;
        }

        long records = 0;
        foreach (var part in Directory.GetDirectories(parts))
        {
            try
            {
                using var result = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(part, "part.json")));
                records += result.RootElement.GetProperty("records").GetInt64();
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Being renamed into place; counted on the next look.
            }
        }

        return records;
    }
}
