using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary>A real cluster of processes (Redis on a loopback port, three <c>protst silo</c> nodes) losing a silo to SIGKILL or SIGTERM mid-job.</summary>
public sealed class SiloKillTests(ITestOutputHelper output)
{
    // Small shards (see Config) keep the job short yet many shards long: 24 of 64 records, at most 4 in flight, so rows
    // are written, and counted, while most records are still to come.
    private const int Count = 1500;
    private const string Config = """{ "Screen": { "ShardSize": 64, "MaxShardsInFlight": 4 } }""";

    // Membership needs some seconds to declare a killed silo dead, then the lost shards run again (about 20 s on this
    // machine); the bounds are generous because the 2 cores are shared with other test runs.
    private static readonly TimeSpan AfterLoss = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan UntilRows = TimeSpan.FromSeconds(180);

    [Fact]
    public Task A_silo_killed_mid_job_loses_nothing_and_duplicates_nothing() => LoseASiloAsync("KILL");

    [Fact]
    public Task A_silo_terminated_mid_job_loses_nothing_and_duplicates_nothing() => LoseASiloAsync("TERM");

    private async Task LoseASiloAsync(string signal)
    {
        var started = Stopwatch.StartNew();
        using var scratch = new TempDirectory();
        var redisPort = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(redisPort);
        var processes = new List<Process> { redis };
        try
        {
            var cluster = $"127.0.0.1:{redisPort}";
            var silos = Enumerable.Range(0, 3).Select(_ => Processes.StartProtst("silo", "--cluster", cluster, "--devices", "1")).ToList();
            processes.AddRange(silos);
            var model = scratch.Combine("model");
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", model)).ExitCode);
            var random = new Random(17);
            var config = scratch.Write("small-shards.json", Config);
            var fasta = scratch.Write("in.fasta", RandomProteins.Fasta(random, Count, 30, 600));

            // The clean run, on an embedded silo while the cluster starts: nothing lost.
            var clean = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("clean"), "--config", config);
            Assert.True(clean.ExitCode == 0, clean.Error);
            var ready = await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", TimeSpan.FromSeconds(180))));
            var views = ready.Select(lines => Regex.Match(lines[^1], @"job view (\S+)/,").Groups[1].Value).ToList();
            output.WriteLine($"clean run done and cluster ready after {started.Elapsed.TotalSeconds:F1} s");

            // After SIGKILL the shards' own files are checked (kept as a dataset); after SIGTERM the assembled ones.
            var layout = signal == "KILL" ? "parts" : "assembled";
            var screen = Processes.StartProtst("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--config", config, "--output-layout", layout);
            processes.Add(screen);
            var screenErrors = Processes.CollectErrors(screen);
            var jobId = Regex.Match((await Processes.WaitForLineAsync(screen, "job view:", TimeSpan.FromSeconds(120)))[^1], @"/jobs/(\S+)").Groups[1].Value;
            Assert.NotEmpty(jobId);

            // Lose the silo once rows are flowing, as any host that already knows the job reports them.
            var rows = await FirstRowsAsync(views, jobId, screen, UntilRows);
            Assert.False(screen.HasExited, $"the job ended before a silo could be lost under it: {screenErrors()}");
            Assert.True(rows < Count, $"the job had written all {rows} rows before the {signal}");
            var victim = silos[1];
            await Processes.SignalAsync(victim, signal);
            var lost = Stopwatch.StartNew();

            using (var wait = new CancellationTokenSource(AfterLoss))
            {
                try
                {
                    await screen.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"the client did not exit within {AfterLoss.TotalSeconds} s after SIG{signal} of a silo; its stderr:\n{screenErrors()}");
                }
            }

            output.WriteLine($"SIG{signal} after {rows} rows; the client exited {lost.Elapsed.TotalSeconds:F1} s later; test {started.Elapsed.TotalSeconds:F1} s");
            Assert.True(screen.ExitCode == 0, screenErrors());
            if (signal == "TERM")
            {
                // A graceful leave ends the process by itself, in bounded time, with success (143 would mean it was cut short).
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await victim.WaitForExitAsync(wait.Token);
                Assert.Equal(0, victim.ExitCode);
            }

            var expected = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("clean", "embeddings.parquet"), CancellationToken.None);
            List<(string Id, float[] Vector)> actual = [];
            if (layout == "parts")
            {
                // Every part is whole (its part.json names as many rows as its files hold), none is left half-written,
                // and the parts in shard order hold every id exactly once, in input order.
                var parts = Directory.GetDirectories(scratch.Combine("out", "parts")).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(Count / 64 + 1, parts.Count);
                var results = 0;
                foreach (var part in parts)
                {
                    using var result = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(part, "part.json")));
                    var partRows = (await EmbeddingParquetReader.ReadAllAsync(Path.Combine(part, "embeddings.parquet"), CancellationToken.None)).ToList();
                    Assert.Equal(result.RootElement.GetProperty("rows").GetInt32(), partRows.Count);
                    Assert.Equal(partRows.Count + 1, (await File.ReadAllLinesAsync(Path.Combine(part, "results.tsv"))).Length);
                    Assert.Single(await File.ReadAllLinesAsync(Path.Combine(part, "failures.tsv")));
                    actual.AddRange(partRows);
                    results += partRows.Count;
                }

                Assert.Equal(Count, results);
                Assert.False(Directory.Exists(scratch.Combine("out", ".parts-in-progress")), "unfinished part folders were left behind");
            }
            else
            {
                actual = [.. await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("out", "embeddings.parquet"), CancellationToken.None)];
                Assert.Equal(Count + 1, (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"))).Length);
                Assert.Single(await File.ReadAllLinesAsync(scratch.Combine("out", "failures.tsv")));
            }

            Assert.Equal(Enumerable.Range(0, Count).Select(i => $"P{i}"), actual.Select(r => r.Id));
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

    // The job's row count as the first host that knows it reports it. A host may not know the job yet (404), or not
    // answer: neither is an error here, the next poll asks again, until the deadline.
    private static async Task<long> FirstRowsAsync(IReadOnlyList<string> hosts, string jobId, Process screen, TimeSpan deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline && !screen.HasExited)
        {
            foreach (var host in hosts)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"{host}/api/jobs/{jobId}"));
                    if (response.IsSuccessStatusCode)
                    {
                        using var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        if (job.RootElement.GetProperty("rows").GetInt64() is > 0 and var rows)
                        {
                            return rows;
                        }
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not reachable right now; ask again.
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no host reported rows of job {jobId} within {deadline.TotalSeconds} s (client exited: {screen.HasExited})");
    }
}
