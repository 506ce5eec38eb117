using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary>
/// A job held by the cluster (Redis on a loopback port, <c>protst silo</c> processes with simulated devices): it
/// outlives its client, survives every silo being stopped and started again, and can be listed, followed and cancelled.
/// </summary>
public sealed class ClusterJobTests(ITestOutputHelper output)
{
    private const int Count = 1200;

    // 19 shards of 64 records, 2 at a time: the job lasts some seconds on simulated devices slow enough to stop under it.
    private const string Config = """{ "Screen": { "ShardSize": 64, "MaxShardsInFlight": 2 } }""";

    private static readonly Dictionary<string, string> Simulated = new()
    {
        ["PROTST_Devices__Backend"] = "Simulated",
        ["PROTST_Devices__Simulated__MicrosecondsPerPaddedToken"] = "150",
        ["PROTST_Devices__Simulated__EmbeddingWidth"] = "16",
    };

    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_job_outlives_its_killed_client_and_is_listed_and_attached_to_the_end()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var (model, fasta, config) = await cluster.JobFilesAsync();
        var outputFolder = cluster.Scratch.Combine("out");
        var screen = cluster.Track(Processes.StartProtst("screen", "--cluster", cluster.Redis, "-i", fasta, "-m", model, "-o", outputFolder, "--config", config));
        var jobId = JobId(await Processes.WaitForLineAsync(screen, "job: ", Ready));

        // SIGKILL the client once the shards have finished parts: nothing of the job is in it.
        await WaitForPartsAsync(outputFolder, 2, screen);
        screen.Kill();
        await screen.WaitForExitAsync();

        var jobs = await Protst.RunAsync("jobs", "--cluster", cluster.Redis);
        Assert.True(jobs.ExitCode == 0, jobs.Error);
        Assert.Matches($@"(?m)^{Regex.Escape(jobId)}\t(running|assembling|completed)\t", jobs.Output);

        var attach = await Protst.RunAsync("attach", jobId, "--cluster", cluster.Redis);
        Assert.True(attach.ExitCode == 0, attach.Error);
        Assert.Contains($"screened {Count} records", attach.Output, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{Regex.Escape(jobId)}\tcompleted\t19/19\t{Count}\t{Count}\t", (await Protst.RunAsync("jobs", "--cluster", cluster.Redis)).Output);

        var ids = Enumerable.Range(0, Count).Select(i => $"P{i}").ToList();
        Assert.Equal(ids, (await File.ReadAllLinesAsync(Path.Combine(outputFolder, "results.tsv"))).Skip(1).Select(l => l.Split('\t')[0]));
        Assert.Equal(ids, (await EmbeddingParquetReader.ReadAllAsync(Path.Combine(outputFolder, "embeddings.parquet"), CancellationToken.None)).Select(r => r.Id));
        Assert.False(Directory.Exists(Path.Combine(outputFolder, "parts")), "the parts were left after assembly");
    }

    [Fact]
    public async Task Every_silo_stopped_and_started_again_with_redis_kept_continues_from_its_finished_shards()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var (model, fasta, config) = await cluster.JobFilesAsync();
        var outputFolder = cluster.Scratch.Combine("out");
        var submit = await Protst.RunAsync("screen", "--cluster", cluster.Redis, "-i", fasta, "-m", model, "-o", outputFolder, "--config", config, "--output-layout", "parts", "--detach");
        Assert.True(submit.ExitCode == 0, submit.Error);
        var jobId = JobId(submit.Output.Split('\n'));

        var attach = cluster.Track(Processes.StartProtst("attach", jobId, "--cluster", cluster.Redis));
        var attachErrors = Processes.CollectErrors(attach);

        // The client is following once it names the job (before that it may still be connecting, slowly on a busy host).
        await Processes.WaitForLineAsync(attach, "job: ", Ready);
        await WaitForPartsAsync(outputFolder, 3, attach);

        // Every silo goes at once; the following client must notice within seconds, in one line, and exit non-zero.
        await cluster.KillSilosAsync();
        var before = FinishedParts(outputFolder);
        var lost = Stopwatch.StartNew();
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await attach.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the attached client did not exit within 60 s of losing every silo; its stderr:\n{attachErrors()}");
            }
        }

        output.WriteLine($"the attached client noticed the lost cluster after {lost.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(1, attach.ExitCode);
        Assert.Contains("error: lost the cluster", attachErrors(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", attachErrors(), StringComparison.Ordinal);
        Assert.True(before.Count < 19, "the job had finished before its silos were stopped");

        // New silos on the same Redis: the job continues from its stored state.
        await cluster.StartSilosAsync(2);
        var again = await Protst.RunAsync("attach", jobId, "--cluster", cluster.Redis);
        Assert.True(again.ExitCode == 0, again.Error);

        // Parts finished before the stop were not written again, and what was computed after it is at most the rest.
        var after = FinishedParts(outputFolder);
        foreach (var (part, written) in before)
        {
            Assert.Equal(written, after[part]);
        }

        var committed = before.Keys.Sum(part => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(part, "part.json"))).RootElement.GetProperty("records").GetInt64());
        // The summary counts the distinct sequences of every part the job finished, before the stop and after it, each
        // part once however often its shard ran; the work after the restart is what the new silos' devices did (the
        // silos active now are the new ones).
        var total = long.Parse(Regex.Match(again.Output, @"\((\d+) distinct sequences").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var snapshot = await cluster.SnapshotAsync(jobId);
        var fresh = snapshot.GetProperty("silos").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() == "Active").Select(s => s.GetProperty("address").GetString()!).ToHashSet(StringComparer.Ordinal);
        var computed = snapshot.GetProperty("devices").EnumerateArray()
            .Where(d => fresh.Contains(d.GetProperty("deviceKey").GetString()![..d.GetProperty("deviceKey").GetString()!.LastIndexOf('#')]))
            .Sum(d => d.GetProperty("sequences").GetInt64());
        output.WriteLine($"{before.Count} parts ({committed} records) finished before the stop; {computed} sequences computed after the restart, {total} in all");
        Assert.InRange(computed, 1, Count - committed);
        Assert.InRange(total, computed, Count);

        var ids = new List<string>();
        foreach (var part in Directory.GetDirectories(Path.Combine(outputFolder, "parts")).Order(StringComparer.Ordinal))
        {
            ids.AddRange((await EmbeddingParquetReader.ReadAllAsync(Path.Combine(part, "embeddings.parquet"), CancellationToken.None)).Select(r => r.Id));
        }

        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"P{i}"), ids);
    }

    [Fact]
    public async Task A_cancelled_job_frees_its_devices_and_its_folder_says_so()
    {
        await using var cluster = await Cluster.StartAsync(1);
        var (model, fasta, config) = await cluster.JobFilesAsync();
        var outputFolder = cluster.Scratch.Combine("out");
        var submit = await Protst.RunAsync("screen", "--cluster", cluster.Redis, "-i", fasta, "-m", model, "-o", outputFolder, "--config", config, "--detach");
        Assert.True(submit.ExitCode == 0, submit.Error);
        var jobId = JobId(submit.Output.Split('\n'));
        await WaitForPartsAsync(outputFolder, 1, null);

        var cancel = await Protst.RunAsync("cancel", jobId, "--cluster", cluster.Redis);
        Assert.True(cancel.ExitCode == 0, cancel.Error);
        Assert.Contains($"job {jobId} cancelled", cancel.Output, StringComparison.Ordinal);
        using (var record = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(outputFolder, "job.json"))))
        {
            Assert.Equal("cancelled", record.RootElement.GetProperty("state").GetString());
        }

        // Within seconds no batch of the job runs any more: the devices' count of sequences stops moving.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var settled = await cluster.SequencesAsync(jobId);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(settled, await cluster.SequencesAsync(jobId));
        Assert.True(settled < Count, $"all {settled} sequences were computed; the cancel came too late to test");

        var attach = await Protst.RunAsync("attach", jobId, "--cluster", cluster.Redis);
        Assert.Equal(130, attach.ExitCode);
        Assert.Contains("was cancelled", attach.Error, StringComparison.Ordinal);
    }

    // A CPU client submitting to GPU silos, and the other way round: the silo's budget is the one its batches fit.
    [Theory]
    [InlineData(512, 8192)]
    [InlineData(4096, 256)]
    public async Task A_jobs_batches_follow_the_token_budget_of_the_silo_that_runs_them_not_of_its_client(int siloBudget, int clientBudget)
    {
        // Fast simulated devices: only the batch sizes matter.
        await using var cluster = await Cluster.StartAsync(1, new Dictionary<string, string>
        {
            ["PROTST_Screen__MaxTokensPerBatch"] = siloBudget.ToString(CultureInfo.InvariantCulture),
            ["PROTST_Devices__Simulated__MicrosecondsPerPaddedToken"] = "2",
        });
        var (model, fasta, config) = await cluster.JobFilesAsync();
        var screen = await Protst.RunAsync(
            new Dictionary<string, string> { ["PROTST_Screen__MaxTokensPerBatch"] = clientBudget.ToString(CultureInfo.InvariantCulture) },
            "screen", "--cluster", cluster.Redis, "-i", fasta, "-m", model, "-o", cluster.Scratch.Combine("out"), "--config", config);
        Assert.True(screen.ExitCode == 0, screen.Error);

        var snapshot = await cluster.SnapshotAsync(JobId(screen.Output.Split('\n')));
        var batches = snapshot.GetProperty("devices").EnumerateArray().Sum(d => d.GetProperty("batches").GetInt64());
        var padded = snapshot.GetProperty("paddedTokens").GetInt64();
        var perBatch = padded / Math.Max(1, batches);

        // The 1,200 sequences have 62-302 tokens: batches fill a budget of 4,096 to thousands of tokens, never pass one
        // of 512, and could not average over 256 under the client's 256.
        Assert.True(batches > 0, "no batch was counted");
        Assert.True(siloBudget < clientBudget ? perBatch <= siloBudget : perBatch > clientBudget, $"{batches} batches of {padded} padded tokens: {perBatch} a batch, under a silo budget of {siloBudget} and a client's of {clientBudget}");
    }

    private static string JobId(IEnumerable<string> lines) =>
        Regex.Match(lines.Last(l => l.StartsWith("job: ", StringComparison.Ordinal)), @"^job: (\S+)").Groups[1].Value;

    private static async Task WaitForPartsAsync(string outputFolder, int parts, Process? client)
    {
        var deadline = Stopwatch.StartNew();
        while (FinishedParts(outputFolder).Count < parts)
        {
            Assert.False(client?.HasExited ?? false, "the client ended before the job had finished parts");
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"fewer than {parts} parts finished within 3 minutes");
            await Task.Delay(100);
        }
    }

    // Each whole part and when its part.json was written.
    private static Dictionary<string, DateTime> FinishedParts(string outputFolder)
    {
        var parts = Path.Combine(outputFolder, "parts");
        return Directory.Exists(parts)
            ? Directory.GetDirectories(parts).Where(p => File.Exists(Path.Combine(p, "part.json"))).ToDictionary(p => p, p => File.GetLastWriteTimeUtc(Path.Combine(p, "part.json")))
            : [];
    }

    /// <summary>Redis and silo processes for one test, stopped at the end.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly List<Process> _processes = [];
        private readonly List<Process> _silos = [];
        private readonly List<string> _views = [];
        private IReadOnlyDictionary<string, string>? _siloSettings;

        private Cluster(int port)
        {
            Redis = $"127.0.0.1:{port}";
            _processes.Add(Processes.StartRedis(port));
        }

        public string Redis { get; }

        public TempDirectory Scratch { get; } = new();

        public static async Task<Cluster> StartAsync(int silos, IReadOnlyDictionary<string, string>? siloSettings = null)
        {
            var cluster = new Cluster(LoopbackPorts.Free()) { _siloSettings = siloSettings };
            await cluster.StartSilosAsync(silos);
            return cluster;
        }

        public Process Track(Process process)
        {
            _processes.Add(process);
            return process;
        }

        public async Task StartSilosAsync(int count)
        {
            var environment = new Dictionary<string, string>(Simulated);
            foreach (var (name, value) in _siloSettings ?? new Dictionary<string, string>())
            {
                environment[name] = value;
            }

            var silos = Enumerable.Range(0, count).Select(_ => Track(Processes.StartProtst(environment, "silo", "--cluster", Redis, "--devices", "1"))).ToList();
            _silos.AddRange(silos);
            foreach (var lines in await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", Ready))))
            {
                _views.Add(Regex.Match(lines[^1], @"job view (\S+)/,").Groups[1].Value);
            }
        }

        public async Task KillSilosAsync()
        {
            foreach (var silo in _silos)
            {
                silo.Kill();
            }

            foreach (var silo in _silos)
            {
                await silo.WaitForExitAsync();
            }

            _silos.Clear();
            _views.Clear();
        }

        public async Task<(string Model, string Fasta, string Config)> JobFilesAsync()
        {
            var model = SharedModels.Golden("esm2-tiny");
            var random = new Random(23);
            var fasta = Scratch.Write("in.fasta", RandomProteins.Fasta(random, Count, 60, 300));
            return (model, fasta, Scratch.Write("shards.json", Config));
        }

        // The job's sequences computed so far, as the first silo host that knows the job reports them.
        public async Task<long> SequencesAsync(string jobId) => (await SnapshotAsync(jobId)).GetProperty("sequencesComputed").GetInt64();

        // The job's snapshot (/api/jobs/{id}), from the first silo host that knows the job.
        public async Task<JsonElement> SnapshotAsync(string jobId)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            foreach (var view in _views)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"{view}/api/jobs/{jobId}"));
                    if (response.IsSuccessStatusCode)
                    {
                        using var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        return job.RootElement.Clone();
                    }
                }
                catch (HttpRequestException)
                {
                    // A host of a silo killed earlier in the test.
                }
            }

            throw new InvalidOperationException($"no silo host knows job {jobId}");
        }

        public async ValueTask DisposeAsync()
        {
            await Processes.StopAsync(_processes);
            Scratch.Dispose();
        }
    }
}
