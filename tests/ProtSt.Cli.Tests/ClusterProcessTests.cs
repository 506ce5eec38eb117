using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>A real cluster of processes on this machine: Redis on a loopback port, two <c>protst silo</c> nodes, a <c>protst screen --cluster</c> client.</summary>
public sealed class ClusterProcessTests
{
    [Fact]
    public async Task Two_silos_over_redis_share_a_screen()
    {
        using var scratch = new TempDirectory();
        var redisPort = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(redisPort);
        var processes = new List<Process> { redis };
        try
        {
            var model = SharedModels.Golden("esm2-tiny");
            var cluster = $"127.0.0.1:{redisPort}";
            var silos = Enumerable.Range(0, 2).Select(_ => Processes.StartProtst("silo", "--cluster", cluster, "--devices", "1")).ToList();
            processes.AddRange(silos);
            var ready = await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", TimeSpan.FromSeconds(90))));
            var views = ready.Select(lines => Regex.Match(lines[^1], @"job view (\S+)/,").Groups[1].Value).ToList();

            var random = new Random(9);
            var fasta = scratch.Write("in.fasta", RandomProteins.Fasta(random, 300, 30, 300));
            var screen = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"));
            Assert.True(screen.ExitCode == 0, screen.Error);

            // The aggregator lists a device only once it has computed a batch: both silos did work.
            Assert.Contains("screened 300 records", screen.Output, StringComparison.Ordinal);
            Assert.Contains($"on 2 device(s) of the cluster at {cluster}", screen.Output, StringComparison.Ordinal);
            Assert.Equal(301, (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"))).Length);

            // The client printed the view of one of the silo hosts, and every host serves the job's final figures.
            var view = Regex.Match(screen.Output, @"job view: (\S+)/jobs/(\S+)");
            Assert.Contains(view.Groups[1].Value, views);
            using var http = new HttpClient();
            foreach (var host in views)
            {
                using var job = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{host}/api/jobs/{view.Groups[2].Value}")));
                Assert.True(job.RootElement.GetProperty("completed").GetBoolean());
                Assert.Equal(300, job.RootElement.GetProperty("rows").GetInt64());
            }

            // The job's coordinator kept its state in the cluster's Redis grain storage (what outlives a restart), and the
            // folder's job.json names the job and says it completed.
            using var record = JsonDocument.Parse(await File.ReadAllTextAsync(scratch.Combine("out", "job.json")));
            Assert.Equal("completed", record.RootElement.GetProperty("state").GetString());
            var keys = await Protst.ToolAsync("redis-cli", "-p", $"{redisPort}", "--scan", "--pattern", "*screenjob*");
            Assert.Contains(record.RootElement.GetProperty("job_id").GetString()!, Assert.Single(keys.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        }
        finally
        {
            await Processes.StopAsync(processes);
        }
    }
}
