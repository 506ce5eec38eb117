using System.Diagnostics;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>A real cluster of processes on this machine: Redis on a loopback port, two <c>protst silo</c> nodes, a <c>protst screen --cluster</c> client.</summary>
public sealed class ClusterProcessTests
{
    [Fact]
    public async Task Two_silos_over_redis_share_a_screen()
    {
        using var scratch = new TempDirectory();
        var redisPort = LoopbackPorts.Free();
        using var redis = Start("redis-server", "--port", $"{redisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        var processes = new List<Process> { redis };
        try
        {
            var model = scratch.Combine("model");
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", model)).ExitCode);
            var cluster = $"127.0.0.1:{redisPort}";
            var silos = Enumerable.Range(0, 2).Select(_ => Start("dotnet", Path.Combine(AppContext.BaseDirectory, "protst.dll"), "silo", "--cluster", cluster, "--devices", "1")).ToList();
            processes.AddRange(silos);
            await Task.WhenAll(silos.Select(s => WaitForLineAsync(s, "silo ready", TimeSpan.FromSeconds(90))));

            var random = new Random(9);
            var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, 300).Select(i =>
                $">P{i}\n{new string(Enumerable.Range(0, random.Next(30, 300)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray())}\n")));
            var screen = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"));
            Assert.True(screen.ExitCode == 0, screen.Error);

            // The aggregator lists a device only once it has computed a batch: both silos did work.
            Assert.Contains("screened 300 records", screen.Output, StringComparison.Ordinal);
            Assert.Contains($"on 2 device(s) of the cluster at {cluster}", screen.Output, StringComparison.Ordinal);
            Assert.Equal(301, (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"))).Length);
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            }
        }
    }

    private static Process Start(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e) when (fileName == "redis-server")
        {
            throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (.ci/run installs it).", e);
        }
    }

    private static async Task WaitForLineAsync(Process process, string text, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                // Keep draining so the process never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                return;
            }
        }

        throw new InvalidOperationException($"Process {process.Id} exited (code {process.ExitCode}) before printing '{text}'.");
    }
}
