using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Tests;

/// <summary>A real cluster of processes (Redis on a loopback port, three <c>protst silo</c> nodes) losing a silo to SIGKILL or SIGTERM mid-job.</summary>
public sealed class SiloKillTests
{
    [Fact]
    public Task A_silo_killed_mid_job_loses_nothing_and_duplicates_nothing() => LoseASiloAsync("KILL");

    [Fact]
    public Task A_silo_terminated_mid_job_loses_nothing_and_duplicates_nothing() => LoseASiloAsync("TERM");

    private static async Task LoseASiloAsync(string signal)
    {
        using var scratch = new TempDirectory();
        var redisPort = LoopbackPorts.Free();
        using var redis = Processes.Start("redis-server", "--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        var processes = new List<Process> { redis };
        try
        {
            var model = scratch.Combine("model");
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", model)).ExitCode);
            var cluster = $"127.0.0.1:{redisPort}";
            var silos = Enumerable.Range(0, 3).Select(_ => Processes.StartProtst("silo", "--cluster", cluster, "--devices", "1")).ToList();
            processes.AddRange(silos);
            var ready = await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", TimeSpan.FromSeconds(120))));
            var views = ready.Select(lines => Regex.Match(lines[^1], @"job view (\S+)/,").Groups[1].Value).ToList();

            const int Count = 6000;
            var random = new Random(17);
            var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, Count).Select(i =>
                $">P{i}\n{new string(Enumerable.Range(0, random.Next(30, 600)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray())}\n")));

            // The clean run: the same cluster, nothing killed.
            var clean = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("clean"));
            Assert.True(clean.ExitCode == 0, clean.Error);

            var screen = Processes.StartProtst("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"));
            processes.Add(screen);
            var job = Regex.Match((await Processes.WaitForLineAsync(screen, "job view:", TimeSpan.FromSeconds(60)))[^1], @"job view: (\S+)/jobs/(\S+)");
            var viewHost = views.IndexOf(job.Groups[1].Value);
            var victim = silos[viewHost == 0 ? 1 : 0];

            // Kill once rows are flowing; bounded in time and count.
            using var http = new HttpClient();
            var rows = 0L;
            for (var poll = 0; poll < 600 && rows == 0 && !screen.HasExited; poll++)
            {
                await Task.Delay(100);
                using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{job.Groups[1].Value}/api/jobs/{job.Groups[2].Value}")));
                rows = status.RootElement.GetProperty("rows").GetInt64();
            }

            Assert.False(screen.HasExited, "the job ended before a silo could be killed under it");
            Assert.True(rows < Count, $"the job had written all {rows} rows before the kill");
            using (var kill = Processes.Start("kill", $"-{signal}", $"{victim.Id}"))
            {
                await kill.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await screen.WaitForExitAsync(wait.Token);
            Assert.Equal(0, screen.ExitCode);

            var expected = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("clean", "embeddings.parquet"), CancellationToken.None);
            var actual = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("out", "embeddings.parquet"), CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, Count).Select(i => $"P{i}"), actual.Select(r => r.Id));
            Assert.Equal(Count + 1, (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"))).Length);
            for (var i = 0; i < Count; i++)
            {
                var diff = expected[i].Vector.Zip(actual[i].Vector, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(diff <= 1e-4, $"{actual[i].Id}: max |diff| {diff}");
            }
        }
        finally
        {
            await Processes.StopAsync(processes);
        }
    }
}
