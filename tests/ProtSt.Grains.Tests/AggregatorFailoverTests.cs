using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>
/// The aggregator's silo is killed mid-job (in-process test cluster, Redis grain storage, simulated devices): its
/// figures continue from storage on another silo instead of restarting, and at the end agree with the output files.
/// </summary>
public sealed class AggregatorFailoverTests
{
    private const string RedisKey = "ProtStRedis";

    [Fact]
    public async Task Killing_the_aggregators_silo_mid_job_keeps_its_figures_and_they_match_the_output_files()
    {
        using var scratch = new TempDirectory();
        var model = SharedModels.Demo();
        var records = OwnCluster.Proteome(1600, seed: 5);
        var input = scratch.Write("in.fasta", string.Concat(records.Select(r => $">{r.Id}\n{r.Sequence}\n")));
        var output = scratch.Combine("out");
        var spec = new JobSpec("screen", input, output, model, null, null, false, LabelSet.DefaultTemplate, false, false, OutputLayout.Assembled, 32, 1024, 256, 4);
        var port = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(port);
        var cluster = await StartAsync($"127.0.0.1:{port}");
        try
        {
            // A job whose aggregator lives on a secondary silo (the primary holds the test cluster's membership).
            var primary = cluster.Primary!.SiloAddress.ToParsableString();
            var (jobId, where) = (string.Empty, primary);
            for (var i = 0; where == primary; i++)
            {
                jobId = $"failover-{i}";
                where = (await cluster.Client.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync()).AggregatorSilo!;
            }

            var aggregator = cluster.Client.GetGrain<IJobFiguresAggregatorGrain>(jobId);
            var victim = cluster.SecondarySilos.Single(s => s.SiloAddress.ToParsableString() == where);

            var coordinator = cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId);
            await coordinator.SubmitAsync(spec);
            var before = await WaitForAsync(() => aggregator.GetSnapshotAsync(), s => s.SequencesComputed >= records.Count / 4, "a quarter of the sequences");
            Assert.False(before.Completed, "the job ended before the kill");

            // Past the first save of the figures (every 2 s), so the kill tests restoring them, not only the reports.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            before = await aggregator.GetSnapshotAsync();
            Assert.Equal(victim.SiloAddress.ToParsableString(), before.AggregatorSilo);

            // Mid-job, with work left for the other silos: what the victim's devices computed since the last save is
            // lost with it, and only the work after the kill makes up for it (with 40 µs a token, a quiet machine had
            // computed 1,501 of the 1,600 sequences by here, and the figures ended at 1,261).
            Assert.True(before.SequencesComputed <= records.Count * 3 / 4, $"{before.SequencesComputed} of {records.Count} sequences computed before the kill");
            await cluster.KillSiloAsync(victim);

            var status = await WaitForAsync(async () => (await coordinator.GetStatusAsync())!, s => s.Final, "the job's end");
            Assert.Equal(JobPhase.Completed, status.Phase);
            var after = await WaitForAsync(() => aggregator.GetSnapshotAsync(), s => s.Completed, "the aggregator's end");

            // It continued where it was: same start, no fewer sequences, on another silo.
            Assert.NotEqual(before.AggregatorSilo, after.AggregatorSilo);
            Assert.Equal(before.StartedAt, after.StartedAt);
            Assert.True(after.SequencesComputed >= before.SequencesComputed, $"{after.SequencesComputed} sequences after the kill, {before.SequencesComputed} before");

            // Its totals are the output files' counts.
            var results = File.ReadAllLines(Path.Combine(output, ScreenResultWriter.ResultsFile)).Length - 1;
            var failures = File.Exists(Path.Combine(output, ScreenResultWriter.FailuresFile))
                ? File.ReadAllLines(Path.Combine(output, ScreenResultWriter.FailuresFile)).Length - 1
                : 0;
            Assert.Equal(records.Count, results + failures);
            Assert.Equal(results, after.Rows);
            Assert.Equal(failures, after.FailedRows);
            Assert.Equal(status.Rows, after.Rows);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
            await Processes.StopAsync([redis]);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"waited 3 minutes for {what}");
            await Task.Delay(100);
        }
    }

    private static async Task<TestCluster> StartAsync(string redis)
    {
        var builder = new TestClusterBuilder(3);
        builder.Options.ServiceId = $"failover-{Guid.NewGuid():N}";
        builder.Properties[RedisKey] = redis;
        builder.AddSiloBuilderConfigurator<RedisSimulatedSilo>();
        builder.AddClientBuilderConfigurator<Client>();
        return await RedisTestCluster.DeployAsync(builder);
    }

    private sealed class Client : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddProtStClient();
    }

    // Simulated devices that fail some batches: a job of about ten seconds, as slow on a quiet machine as on a loaded
    // one (the devices wait, they do not compute), with rows in failures.tsv to count.
    private sealed class RedisSimulatedSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddProtSt(
                new DeviceOptions
                {
                    Count = 2,
                    Backend = DeviceBackendKind.Simulated,
                    Simulated = new SimulatedDeviceOptions { MicrosecondsPerPaddedToken = 200, EmbeddingWidth = 16, FailureRate = 0.15, Seed = 9 },
                },
                redis: siloBuilder.Configuration[RedisKey]);
    }
}
