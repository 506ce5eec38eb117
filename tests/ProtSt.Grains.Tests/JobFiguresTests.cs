using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Jobs.Figures;

namespace ProtSt.Grains.Tests;

/// <summary>The silo-local accumulator and the aggregator's cumulative, per-source reports.</summary>
[Collection(SharedCluster.Name)]
public sealed class JobFiguresTests(ClusterFixture fixture)
{
    [Fact]
    public void The_accumulator_sums_per_job_and_device_and_has_nothing_to_send_once_stored()
    {
        var accumulator = new JobFiguresAccumulator(new Silo(), TimeProvider.System);
        accumulator.AddPlanned("a", 3);
        accumulator.Add("a", new BatchReport("s#0", 3, 300, 306, 400, TimeSpan.FromMilliseconds(2), "CPU"));
        accumulator.Add("a", new BatchReport("s#0", 2, 150, 154, 200, TimeSpan.FromMilliseconds(3), "CPU"));
        accumulator.Add("a", new BatchReport("s#1", 1, 50, 52, 64, TimeSpan.FromMilliseconds(1), "CPU"));
        accumulator.Add("a", BatchReport.NotComputed);
        accumulator.AddPlanned("b", 1);

        var pending = accumulator.Pending().ToDictionary(p => p.JobId, p => p.Report);
        Assert.Equal(["a", "b"], pending.Keys.Order());
        var a = pending["a"];
        Assert.Equal((3L, 4L, 6L, 500L, 512L, 664L), (a.PlannedBatches, a.ReportedBatches, a.Sequences, a.Residues, a.RealTokens, a.PaddedTokens));
        var device = Assert.Single(a.Devices, d => d.DeviceKey == "s#0");
        Assert.Equal((2L, 5L, TimeSpan.FromMilliseconds(5), "CPU"), (device.Batches, device.Sequences, device.Busy, device.Accelerator));
        Assert.Equal(2, a.Devices.Count);
        Assert.StartsWith(Silo.Address.ToParsableString() + "/", a.Source, StringComparison.Ordinal);
        Assert.NotEqual(a.Source, pending["b"].Source);

        // Received but not yet stored: sent again (a new aggregator activation may need it); stored: nothing to send.
        accumulator.Delivered("a", a, stored: 0);
        Assert.Equal((a.Source, a.Version), (accumulator.Pending("a")!.Source, accumulator.Pending("a")!.Version));
        accumulator.Delivered("a", a, stored: a.Version);
        Assert.Null(accumulator.Pending("a"));
        accumulator.Add("a", new BatchReport("s#1", 1, 10, 12, 16, TimeSpan.Zero, "CPU"));
        Assert.Equal(7, accumulator.Pending("a")!.Sequences);

        // Idle entries go, so a silo's memory is bounded; work after that is a new source starting from zero.
        Assert.Equal(2, accumulator.ForgetIdle(TimeSpan.Zero));
        Assert.Equal(0, accumulator.Count);
        accumulator.AddPlanned("a", 1);
        var fresh = accumulator.Pending("a")!;
        Assert.NotEqual(a.Source, fresh.Source);
        Assert.Equal((1L, 0L), (fresh.PlannedBatches, fresh.Sequences));
    }

    [Fact]
    public async Task Cumulative_reports_count_once_and_an_older_one_changes_nothing()
    {
        var job = fixture.Cluster.Client.GetGrain<IJobFiguresAggregatorGrain>("cumulative-job");
        await job.StartAsync(new JobStart("model", "input", 10));
        var first = Report("silo-a/1", 1, planned: 2, reported: 1, sequences: 4);
        var second = Report("silo-a/1", 2, planned: 2, reported: 2, sequences: 7);
        var other = Report("silo-b/1", 1, planned: 1, reported: 1, sequences: 3);
        await job.ReportFiguresAsync(first);
        await job.ReportFiguresAsync(second);
        await job.ReportFiguresAsync(second);
        await job.ReportFiguresAsync(first);
        await job.ReportFiguresAsync(other);

        var snapshot = await job.GetSnapshotAsync();
        Assert.Equal(10, snapshot.SequencesComputed);
        Assert.Equal(0, snapshot.QueuedBatches);
        Assert.Equal(5, snapshot.AggregatorCalls);
        var device = Assert.Single(snapshot.Devices);
        Assert.Equal((3L, 10L), (device.Batches, device.Sequences));

        // The increments were credited at their arrival: the 10-second window holds them all.
        Assert.Equal(10, snapshot.WindowSequencesPerSecond * Math.Min(10, snapshot.Elapsed.TotalSeconds), 6);
    }

    [Fact]
    public async Task A_new_activation_continues_from_the_stored_figures_and_the_next_reports()
    {
        var cluster = new TestClusterBuilder(1);
        cluster.AddSiloBuilderConfigurator<OneDeviceSilo>();
        var own = cluster.Build();
        await own.DeployAsync();
        try
        {
            var job = own.Client.GetGrain<IJobFiguresAggregatorGrain>("restored-job");
            await job.StartAsync(new JobStart("model", "input", 20, ["a", "b"]));
            await job.ReportFiguresAsync(Report("silo-a/1", 1, planned: 3, reported: 2, sequences: 6));
            await job.ReportFiguresAsync(Report("silo-b/1", 4, planned: 1, reported: 1, sequences: 2));
            await job.RecordShardAsync(0, 8, 1, [0, 1, 1], [0, 1, 0]);

            // The figures are written at most every save interval: wait until silo-a's report is stored.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await job.ReportFiguresAsync(Report("silo-a/1", 1, planned: 3, reported: 2, sequences: 6)) < 1)
            {
                Assert.True(DateTime.UtcNow < deadline, "the figures were not stored within 30 s");
                await Task.Delay(200);
            }

            var before = await job.GetSnapshotAsync();
            await own.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            var restored = await job.GetSnapshotAsync();

            // The 10-second window lives only in the activation: empty now, so this is a new one.
            Assert.True(before.WindowSequencesPerSecond > 0);
            Assert.Equal(0, restored.WindowSequencesPerSecond);

            Assert.Equal(before.StartedAt, restored.StartedAt);
            Assert.Equal((before.Rows, before.FailedRows, before.SequencesComputed, before.QueuedBatches), (restored.Rows, restored.FailedRows, restored.SequencesComputed, restored.QueuedBatches));
            Assert.Equal(before.Classification!.ConfusionMatrix, restored.Classification!.ConfusionMatrix);
            Assert.True(restored.Elapsed >= before.Elapsed);

            // The live silos' next reports bring it up to date; a shard the coordinator sends again counts once.
            await job.ReportFiguresAsync(Report("silo-a/1", 2, planned: 3, reported: 3, sequences: 9));
            await job.ReportFiguresAsync(Report("silo-b/1", 4, planned: 1, reported: 1, sequences: 2));
            await job.RecordShardAsync(0, 8, 1, [0, 1, 1], [0, 1, 0]);
            var after = await job.GetSnapshotAsync();
            Assert.Equal((8L, 1L, 11L, 0L, 3L), (after.Rows, after.FailedRows, after.SequencesComputed, after.QueuedBatches, after.Classification!.Labelled));
        }
        finally
        {
            await own.StopAllSilosAsync();
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_leaving_gracefully_sends_what_it_holds_before_it_goes()
    {
        var builder = new TestClusterBuilder(2);

        // No round would come in the test's time: only the stop can deliver the figures.
        builder.Properties["Screen:FiguresReportInterval"] = "00:10:00";
        builder.AddSiloBuilderConfigurator<OneDeviceSilo>();
        var own = builder.Build();
        await own.DeployAsync();
        try
        {
            // An aggregator on the silo that stays.
            var primary = own.Primary!.SiloAddress.ToParsableString();
            var jobId = string.Empty;
            for (var i = 0; jobId.Length == 0; i++)
            {
                var candidate = $"leaving-{i}";
                jobId = (await own.Client.GetGrain<IJobFiguresAggregatorGrain>(candidate).GetSnapshotAsync()).AggregatorSilo == primary ? candidate : string.Empty;
            }

            var leaving = own.SecondarySilos[0];
            var accumulator = ((InProcessSiloHandle)leaving).SiloHost.Services.GetRequiredService<JobFiguresAccumulator>();
            accumulator.AddPlanned(jobId, 2);
            accumulator.Add(jobId, new BatchReport("x#0", 5, 50, 60, 64, TimeSpan.FromMilliseconds(4), "CPU"));
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal(0, (await own.Client.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync()).SequencesComputed);

            await own.StopSiloAsync(leaving);
            var snapshot = await own.Client.GetGrain<IJobFiguresAggregatorGrain>(jobId).GetSnapshotAsync();
            Assert.Equal((5L, 1L), (snapshot.SequencesComputed, snapshot.QueuedBatches));
        }
        finally
        {
            await own.StopAllSilosAsync();
            await own.DisposeAsync();
        }
    }

    private static JobFiguresReport Report(string source, long version, long planned, long reported, long sequences) =>
        new(source, version, planned, reported, sequences, sequences * 10, sequences * 12, sequences * 16,
            [new DeviceFigures("silo-a#0", reported, sequences, sequences * 12, sequences * 16, TimeSpan.FromMilliseconds(sequences), Accelerator: "CPU")]);

    private sealed class OneDeviceSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddProtSt(o => o.Count = 1);
    }

    private sealed class Silo : ILocalSiloDetails
    {
        public static readonly SiloAddress Address = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 7);

        public string Name => "test";

        public string ClusterId => "test";

        public string DnsHostName => "localhost";

        public SiloAddress SiloAddress => Address;

        public SiloAddress GatewayAddress => Address;
    }
}
