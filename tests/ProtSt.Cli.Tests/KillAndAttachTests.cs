using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Client;
using ProtSt.Grains;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary>
/// Clients that meet a silo the moment it was SIGKILLed (three <c>protst silo</c> processes on one Redis): every
/// <c>attach</c> and <c>jobs</c> started right after the kill, and every read of the job API on a surviving silo, waits
/// until the grains it asks for answer on a live silo and then does its work; none ends in a stack trace or a 500.
/// </summary>
public sealed class KillAndAttachTests(ITestOutputHelper output)
{
    private const int Jobs = 4;
    private const int Silos = 3;

    private static readonly TimeSpan ClientLimit = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Attaching_listing_and_reading_jobs_right_after_a_silo_is_killed_answer_once_the_grains_are_back()
    {
        var started = Stopwatch.StartNew();
        using var scratch = new TempDirectory();
        var redisPort = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(redisPort);
        var processes = new List<Process> { redis };
        try
        {
            var cluster = $"127.0.0.1:{redisPort}";
            var model = scratch.Combine("model");
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", model)).ExitCode);
            var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, 8).Select(i => $">P{i}\nMKTAYIAKQRQISFVKSHFSRQ{new string('A', i)}\n")));

            // The first silo runs the jobs alone, so every grain a client or a reader asks for (coordinators,
            // aggregators, the registry, the job index) lives on it when it is killed; the others join after.
            var silos = new List<Process> { Processes.StartProtst("silo", "--cluster", cluster, "--devices", "1") };
            processes.AddRange(silos);
            var views = new List<string> { ViewOf(await Processes.WaitForLineAsync(silos[0], "silo ready", TimeSpan.FromSeconds(180))) };
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
            var jobs = new List<string>();
            for (var j = 0; j < Jobs; j++)
            {
                using var submitted = await http.PostAsJsonAsync(new Uri($"{views[0]}/api/jobs"), new { input = fasta, output = scratch.Combine($"out-{j}"), model });
                Assert.True(submitted.StatusCode == HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
                jobs.Add(submitted.Headers.Location!.OriginalString.Split('/')[^1]);
            }

            foreach (var job in jobs)
            {
                await UntilCompletedAsync(http, views[0], job);
            }

            var joining = Enumerable.Range(1, Silos - 1).Select(_ => Processes.StartProtst("silo", "--cluster", cluster, "--devices", "1")).ToList();
            silos.AddRange(joining);
            processes.AddRange(joining);
            foreach (var silo in joining)
            {
                views.Add(ViewOf(await Processes.WaitForLineAsync(silo, "silo ready", TimeSpan.FromSeconds(180))));
            }

            output.WriteLine($"{jobs.Count} jobs completed on one silo and {joining.Count} more joined after {started.Elapsed.TotalSeconds:F1} s");

            // Each round kills one more silo (the last one stays) and at once attaches to every job, lists the jobs
            // and reads each over HTTP from the survivor: all of it (every call of the first round, some of the second)
            // meets the dead silo's grains before membership has declared it dead.
            // A client connected beforehand asks at once, as attach and jobs do (a process of theirs starts too late to
            // meet every dead grain on this machine); the programs themselves run beside it.
            await using var client = await ClusterClient.ConnectAsync(cluster, "protst", null, TimeSpan.FromSeconds(60), CancellationToken.None);
            var options = new JobClientOptions();
            for (var round = 0; round < Silos - 1; round++)
            {
                await Processes.SignalAsync(silos[round], "KILL");
                var killed = Stopwatch.StartNew();
                var statuses = jobs.Select(job => Outcome(ClusterCall.RetryAsync(
                    () => client.Grains.GetGrain<IJobCoordinatorGrain>(job).GetStatusAsync(), options.ControlCallTimeout, options.GrainMoveTimeout, $"attaching to {job}", CancellationToken.None)))
                    .Append(Outcome(JobTable.ListAsync(client.Grains, options, 50, CancellationToken.None)))
                    .ToList();
                var attaches = jobs.Select(job => Protst.RunAsync("attach", job, "--cluster", cluster)).ToList();
                var listing = Protst.RunAsync("jobs", "--cluster", cluster);
                var reads = jobs.Select(job => ReadAsync(http, $"{views[^1]}/api/jobs/{job}"))
                    .Append(ReadAsync(http, $"{views[^1]}/api/jobs"))
                    .ToList();

                // Every failure of the round is named, not only the first, to show which kinds of call lost.
                var failures = new List<string>();
                var results = await Task.WhenAll(attaches).WaitAsync(ClientLimit);
                for (var i = 0; i < jobs.Count; i++)
                {
                    var (exitCode, stdout, stderr) = results[i];
                    if (exitCode != 0 || stderr.Contains("   at ", StringComparison.Ordinal))
                    {
                        failures.Add($"attach {jobs[i]} exited {exitCode}:\n{stdout}\n{stderr}");
                    }
                }

                foreach (var failure in await Task.WhenAll(statuses).WaitAsync(ClientLimit))
                {
                    if (failure is not null)
                    {
                        failures.Add($"a client call failed: {failure}");
                    }
                }

                var list = await listing.WaitAsync(ClientLimit);
                if (list.ExitCode != 0 || jobs.Any(job => !list.Output.Contains(job, StringComparison.Ordinal)))
                {
                    failures.Add($"jobs exited {list.ExitCode}:\n{list.Output}\n{list.Error}");
                }

                foreach (var (status, body) in await Task.WhenAll(reads).WaitAsync(ClientLimit))
                {
                    if (status != HttpStatusCode.OK)
                    {
                        failures.Add($"a read of the job API answered {(int)status}: {body}");
                    }
                }

                Assert.True(failures.Count == 0, $"round {round}, {killed.Elapsed.TotalSeconds:F1} s after the kill, {failures.Count} call(s) failed:\n{string.Join("\n", failures)}");
                output.WriteLine($"round {round}: {jobs.Count} attaches, a listing and {reads.Count} reads answered within {killed.Elapsed.TotalSeconds:F1} s of the kill");
            }

            output.WriteLine($"test {started.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await Processes.StopAsync(processes);
        }
    }

    // Null when the call answered, else what it threw.
    private static async Task<string?> Outcome<T>(Task<T> call)
    {
        try
        {
            return await call is null ? "no answer" : null;
        }
        catch (Exception e)
        {
            return e.ToString();
        }
    }

    private static string ViewOf(IReadOnlyList<string> lines) => Regex.Match(lines[^1], @"job view (\S+)/,").Groups[1].Value;

    private static async Task<(HttpStatusCode Status, string Body)> ReadAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(new Uri(url));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task UntilCompletedAsync(HttpClient http, string view, string job)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (status, body) = await ReadAsync(http, $"{view}/api/jobs/{job}");
            if (status == HttpStatusCode.OK)
            {
                using var snapshot = JsonDocument.Parse(body);
                var state = snapshot.RootElement.GetProperty("state").GetString();
                Assert.NotEqual("failed", state);
                if (state == "completed")
                {
                    return;
                }
            }

            Assert.True(clock.Elapsed < ClientLimit, $"job {job} did not complete within {ClientLimit.TotalSeconds} s: {(int)status} {body}");
            await Task.Delay(200);
        }
    }
}
