using System.Diagnostics;
using System.Security.Cryptography;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary>
/// A cluster on real hosts: Redis, each <c>protst silo</c> and the client in network namespaces of their own
/// (<see cref="NetworkHosts"/>), each silo advertising its host's address; hosts cut off from the network while their
/// processes live, which a SIGKILL never produces.
/// </summary>
public sealed class NetworkPartitionTests(ITestOutputHelper output)
{
    private const string Config = """{ "Screen": { "ShardSize": 64, "MaxShardsInFlight": 4 } }""";
    private const int RedisPort = 6379;

    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "protst.dll");

    // The client follows the job through a silo's death: membership takes some seconds to declare a cut-off silo dead,
    // and only then does the job's coordinator (perhaps on that silo) wake elsewhere.
    private static readonly Dictionary<string, string> Patient = new() { ["PROTST_Screen__ClusterLostAfter"] = "00:03:00" };

    [NetworkHostsFact]
    public Task A_screen_across_hosts_gives_every_id_once_as_one_silo_does() => ScreenAcrossHostsAsync(cutRedis: false);

    [NetworkHostsFact]
    public Task A_screen_whose_Redis_host_is_cut_off_for_20_s_mid_job_completes_with_every_id_once() => ScreenAcrossHostsAsync(cutRedis: true);

    [NetworkHostsFact]
    public async Task A_silo_host_cut_off_mid_job_loses_its_shards_writes_nothing_once_released_and_a_new_silo_there_takes_work()
    {
        var started = Stopwatch.StartNew();
        using var scratch = new TempDirectory();
        const int count = 640;
        var (fasta, model, config) = await InputsAsync(scratch, count);

        // Host 0: Redis; 1-3: silos; 4: the client.
        await using var hosts = await NetworkHosts.CreateAsync(5);
        var cluster = await StartRedisAsync(hosts);
        var silos = new[] { 1, 2, 3 }.Select(host => StartSilo(hosts, host, cluster)).ToList();
        await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", TimeSpan.FromSeconds(240))));
        output.WriteLine($"cluster ready after {started.Elapsed.TotalSeconds:F1} s");

        var outFolder = scratch.Combine("out");
        var screen = hosts.Start(4, Patient, "dotnet", Program, "screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", outFolder, "--config", config, "--keep-view", "false");
        var screenErrors = Processes.CollectErrors(screen);
        await PartsWrittenAsync(outFolder, screen, 2);

        // The victim is paused as its link goes down: whatever it was writing is held until the job is over elsewhere.
        var victim = silos[1];
        await Processes.SignalAsync(victim, "STOP");
        await hosts.CutAsync(2);
        var cut = Stopwatch.StartNew();
        output.WriteLine($"host 2 cut off and its silo paused after {started.Elapsed.TotalSeconds:F1} s, {Parts(outFolder)} parts written");
        await ExitAsync(screen, TimeSpan.FromSeconds(240), screenErrors);
        output.WriteLine($"the job completed {cut.Elapsed.TotalSeconds:F1} s after the cut");
        Assert.True(screen.ExitCode == 0, screenErrors());
        var finished = Snapshot(outFolder);

        // Released, still cut off: its shards run on and try to publish into a job that has ended.
        await Processes.SignalAsync(victim, "CONT");
        await Task.Delay(TimeSpan.FromSeconds(15));
        Assert.Equal(finished, Snapshot(outFolder));

        // Reconnected, it learns it was declared dead and stops; it never serves again as the member it was.
        await hosts.RestoreAsync(2);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            await victim.WaitForExitAsync(wait.Token);
        }

        output.WriteLine($"the cut-off silo exited ({victim.ExitCode}) after the link came back; test {started.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(finished, Snapshot(outFolder));
        await AssertEveryIdOnceAsync(outFolder, count);

        // A new silo on the restored host joins as a new member and takes work: the next job runs on all three devices
        // (a job's figures count only the devices that ran its batches).
        var replacement = StartSilo(hosts, 2, cluster);
        await Processes.WaitForLineAsync(replacement, "silo ready", TimeSpan.FromSeconds(240));
        var rejoined = Stopwatch.StartNew();
        var again = await hosts.RunAsync(4, Patient, TimeSpan.FromSeconds(240), "dotnet", Program, "screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("again"), "--config", config, "--keep-view", "false");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("on 3 device(s)", again.Output, StringComparison.Ordinal);
        await AssertEveryIdOnceAsync(scratch.Combine("again"), count);
        output.WriteLine($"a new silo on the restored host joined and the next job ran on it in {rejoined.Elapsed.TotalSeconds:F1} s; test {started.Elapsed.TotalSeconds:F1} s");
    }

    private async Task ScreenAcrossHostsAsync(bool cutRedis)
    {
        var started = Stopwatch.StartNew();
        using var scratch = new TempDirectory();
        var count = cutRedis ? 640 : 200;
        var (fasta, model, config) = await InputsAsync(scratch, count);

        // Host 0: Redis; 1-2: silos; 3: the client.
        await using var hosts = await NetworkHosts.CreateAsync(4);
        var cluster = await StartRedisAsync(hosts);
        var silos = new[] { 1, 2 }.Select(host => StartSilo(hosts, host, cluster)).ToList();

        // The one-silo run the cluster's rows must equal (the Redis cut checks ids only, to stay short).
        var clean = cutRedis ? null : Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("clean"), "--config", config);
        await Task.WhenAll(silos.Select(s => Processes.WaitForLineAsync(s, "silo ready", TimeSpan.FromSeconds(240))));
        Assert.True(clean is null || (await clean).ExitCode == 0, clean is null ? null : (await clean).Error);
        output.WriteLine($"cluster ready after {started.Elapsed.TotalSeconds:F1} s");

        // Each silo is listed in membership at its own host's address.
        var members = await hosts.RunAsync(0, null, TimeSpan.FromSeconds(30), "bash", "-c",
            $"for k in $(redis-cli -h {hosts.Address(0)} --scan); do [ \"$(redis-cli -h {hosts.Address(0)} type \"$k\")\" = hash ] && redis-cli -h {hosts.Address(0)} hkeys \"$k\"; done; true");
        Assert.Contains($"{hosts.Address(1)}:", members.Output, StringComparison.Ordinal);
        Assert.Contains($"{hosts.Address(2)}:", members.Output, StringComparison.Ordinal);

        var outFolder = scratch.Combine("out");
        var screen = hosts.Start(3, Patient, "dotnet", Program, "screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", outFolder, "--config", config, "--keep-view", "false");
        var screenErrors = Processes.CollectErrors(screen);
        if (cutRedis)
        {
            await PartsWrittenAsync(outFolder, screen, 2);
            await hosts.CutAsync(0);
            output.WriteLine($"Redis's host cut off after {started.Elapsed.TotalSeconds:F1} s, {Parts(outFolder)} parts written");
            await Task.Delay(TimeSpan.FromSeconds(20));
            await hosts.RestoreAsync(0);
            output.WriteLine($"Redis's host back, {Parts(outFolder)} parts written; client running: {!screen.HasExited}");
        }

        await ExitAsync(screen, TimeSpan.FromSeconds(240), screenErrors);
        output.WriteLine($"the job completed after {started.Elapsed.TotalSeconds:F1} s");
        Assert.True(screen.ExitCode == 0, screenErrors());
        await AssertEveryIdOnceAsync(outFolder, count);
        if (!cutRedis)
        {
            await AssertSameRowsAsync(scratch.Combine("clean"), outFolder, count);
        }
    }

    private static async Task<(string Fasta, string Model, string Config)> InputsAsync(TempDirectory scratch, int count)
    {
        var model = scratch.Combine("model");
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", model)).ExitCode);
        var random = new Random(29);
        var fasta = scratch.Write("in.fasta", RandomProteins.Fasta(random, count, 30, 500));
        return (fasta, model, scratch.Write("small-shards.json", Config));
    }

    private static async Task<string> StartRedisAsync(NetworkHosts hosts)
    {
        var redis = hosts.Start(0, null, "redis-server", "--bind", hosts.Address(0), "--port", $"{RedisPort}", "--save", "", "--appendonly", "no", "--protected-mode", "no");
        await Processes.WaitForLineAsync(redis, "Ready to accept connections", TimeSpan.FromSeconds(30));
        return $"{hosts.Address(0)}:{RedisPort}";
    }

    private static Process StartSilo(NetworkHosts hosts, int host, string cluster) =>
        hosts.Start(host, new Dictionary<string, string> { ["PROTST_Silo__AdvertisedAddress"] = hosts.Address(host) },
            "dotnet", Program, "silo", "--cluster", cluster, "--devices", "1");

    private static int Parts(string output) =>
        Directory.Exists(Path.Combine(output, "parts")) ? Directory.GetDirectories(Path.Combine(output, "parts"), "shard-*").Length : 0;

    // Waits until the job has published some parts (the filesystem is shared by every host), so a cut lands mid-job.
    private static async Task PartsWrittenAsync(string output, Process screen, int parts)
    {
        var clock = Stopwatch.StartNew();
        while (Parts(output) < parts)
        {
            Assert.False(screen.HasExited, "the job ended before it could be cut");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(180), $"fewer than {parts} parts after {clock.Elapsed.TotalSeconds:F0} s");
            await Task.Delay(100);
        }
    }

    private static async Task ExitAsync(Process process, TimeSpan limit, Func<string> errors)
    {
        using var wait = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the client did not exit within {limit.TotalSeconds} s; its stderr:\n{errors()}");
        }
    }

    // Every file under the output, by relative path, with its size and hash.
    private static List<string> Snapshot(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(folder, f)} {new FileInfo(f).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}")];

    // Every id exactly once, in input order, in both files; nothing left of the job's work folders.
    private static async Task AssertEveryIdOnceAsync(string actual, int count)
    {
        var rows = await EmbeddingParquetReader.ReadAllAsync(Path.Combine(actual, "embeddings.parquet"), CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"P{i}"), rows.Select(r => r.Id));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"P{i}"), (await File.ReadAllLinesAsync(Path.Combine(actual, "results.tsv"))).Skip(1).Select(l => l.Split('\t')[0]));
        Assert.False(Directory.Exists(Path.Combine(actual, "parts")), "parts/ is left in an assembled output");
        Assert.False(Directory.Exists(Path.Combine(actual, ".parts-in-progress")), ".parts-in-progress/ is left in the output");
    }

    private static async Task AssertSameRowsAsync(string clean, string actual, int count)
    {
        var expected = await EmbeddingParquetReader.ReadAllAsync(Path.Combine(clean, "embeddings.parquet"), CancellationToken.None);
        var rows = await EmbeddingParquetReader.ReadAllAsync(Path.Combine(actual, "embeddings.parquet"), CancellationToken.None);
        for (var i = 0; i < count; i++)
        {
            var diff = expected[i].Vector.Zip(rows[i].Vector, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(diff <= 1e-4, $"{rows[i].Id}: max |diff| {diff}");
        }
    }
}
