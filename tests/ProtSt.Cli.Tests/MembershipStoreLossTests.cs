using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary>
/// Silos over a real <c>redis-server</c> that loses its data or goes away: they write the membership table back (and
/// say not ready until they have), and a silo stops on SIGTERM within Silo:ShutdownTimeout whatever the store does.
/// </summary>
public sealed class MembershipStoreLossTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Silos_write_themselves_back_into_a_redis_restarted_empty_and_new_clients_connect()
    {
        using var scratch = new TempDirectory();
        var port = LoopbackPorts.Free();
        var processes = new List<Process> { Processes.StartRedis(port) };
        try
        {
            var model = SharedModels.Golden("esm2-tiny");
            var cluster = $"127.0.0.1:{port}";
            var environment = new Dictionary<string, string> { ["PROTST_Silo__MembershipCheckInterval"] = "00:00:01" };
            var silos = Enumerable.Range(0, 2).Select(_ => Processes.StartProtst(environment, "silo", "--cluster", cluster, "--devices", "1")).ToList();
            processes.AddRange(silos);
            var ready = await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", Patience)));
            var probes = ready.Select(lines => new HttpClient { BaseAddress = new Uri(Regex.Match(lines[^1], @"job view (\S+)/,").Groups[1].Value), Timeout = TimeSpan.FromSeconds(30) }).ToList();
            try
            {
                foreach (var probe in probes)
                {
                    await ReadinessProbe.WaitForAsync(probe, a => a.Ready, Patience);
                }

                // A Redis pod restarted without persistence: the same address, no data. It refuses writes at first
                // (maxmemory 1 byte), so the silos' lost rows can be seen before they are written back.
                processes[0].Kill();
                await processes[0].WaitForExitAsync();
                processes[0] = Processes.StartRedis(port, "--maxmemory", "1", "--maxmemory-policy", "noeviction");
                foreach (var probe in probes)
                {
                    var lost = await ReadinessProbe.WaitForAsync(probe, a => a.Reason?.Contains("not in the membership table", StringComparison.Ordinal) == true, Patience);
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.Status);
                }

                await Protst.ToolAsync("redis-cli", "-p", $"{port}", "config", "set", "maxmemory", "0");
                var clock = Stopwatch.StartNew();
                foreach (var probe in probes)
                {
                    await ReadinessProbe.WaitForAsync(probe, a => a.Ready, Patience);
                }

                output.WriteLine($"both silos ready again {clock.Elapsed.TotalSeconds:F1} s after Redis accepted writes");
                var rows = (await Protst.ToolAsync("redis-cli", "-p", $"{port}", "--raw", "hkeys", "protst/members/protst"))
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(k => k != "Version").ToList();
                Assert.Equal(2, rows.Count);

                var fasta = scratch.Write("in.fasta", ">a\nMKTAYIAKQR\n>b\nMKLVVLGA\n>c\nMSTNPKPQRKTKRNTNRRPQDVKFPGG\n");
                var screen = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"));
                Assert.True(screen.ExitCode == 0, screen.Error);
                Assert.Contains("screened 3 records", screen.Output, StringComparison.Ordinal);
                Assert.All(silos, s => Assert.False(s.HasExited, "a silo stopped after the membership table was written back"));
            }
            finally
            {
                probes.ForEach(p => p.Dispose());
            }
        }
        finally
        {
            await Processes.StopAsync(processes);
        }
    }

    [Fact]
    public async Task A_silo_stops_on_sigterm_within_its_shutdown_timeout_whatever_its_membership_store_does()
    {
        const int shutdownSeconds = 8;

        // Process start-up and exit on a loaded machine, beyond the silo's own bound.
        var margin = TimeSpan.FromSeconds(3);
        var port = LoopbackPorts.Free();
        var redis = Processes.StartRedis(port);
        var processes = new List<Process> { redis };
        try
        {
            var environment = new Dictionary<string, string> { ["PROTST_Silo__ShutdownTimeout"] = $"00:00:0{shutdownSeconds}" };
            var silos = Enumerable.Range(0, 2).Select(_ => Processes.StartProtst(environment, "silo", "--cluster", $"127.0.0.1:{port}", "--devices", "1")).ToList();
            processes.AddRange(silos);
            await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", Patience)));
            var errors = silos.Select(Processes.CollectErrors).ToList();

            // With its store: a clean leave, exit 0.
            var clean = await TerminateAsync(silos[0]);
            output.WriteLine($"Redis up: exit {silos[0].ExitCode} after {clean.TotalSeconds:F1} s");
            Assert.True(silos[0].ExitCode == 0, errors[0]());
            Assert.True(clean < TimeSpan.FromSeconds(shutdownSeconds) + margin, $"{clean.TotalSeconds:F1} s");

            // Without it: the leave cannot be recorded; the silo says so in one line and stops in time.
            redis.Kill();
            await redis.WaitForExitAsync();
            var gone = await TerminateAsync(silos[1]);
            output.WriteLine($"Redis gone: exit {silos[1].ExitCode} after {gone.TotalSeconds:F1} s");
            Assert.True(gone < TimeSpan.FromSeconds(shutdownSeconds) + margin, $"{gone.TotalSeconds:F1} s");
            Assert.Equal(1, silos[1].ExitCode);
            Assert.Contains("error: the silo did not finish leaving the cluster within Silo:ShutdownTimeout (8 s;", errors[1](), StringComparison.Ordinal);
        }
        finally
        {
            await Processes.StopAsync(processes);
        }
    }

    private static async Task<TimeSpan> TerminateAsync(Process silo)
    {
        var clock = Stopwatch.StartNew();
        await Processes.SignalAsync(silo, "TERM");
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await silo.WaitForExitAsync(wait.Token);
        return clock.Elapsed;
    }
}
