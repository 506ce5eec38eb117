using ProtSt.Grains.Jobs.Figures;

namespace ProtSt.Grains.Tests;

/// <summary>The figures the job view and /metrics show, as the aggregator and the registry compute them.</summary>
[Collection(SharedCluster.Name)]
public sealed class MonitoringFiguresTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Queue_padding_utilization_and_throughput_series_follow_the_reports()
    {
        var job = fixture.Cluster.Client.GetGrain<IJobFiguresAggregatorGrain>("figures-job");
        await job.StartAsync(new JobStart("model", "figures-input", 8));

        // Fed as a silo's accumulator feeds it: the source's cumulative figures after each change.
        var tally = new JobFiguresTally();
        tally.AddPlanned(3);
        await job.ReportFiguresAsync(tally.ToReport("silo-a"));
        var reports = new[]
        {
            new BatchReport("silo-a#0", 3, 300, 306, 400, TimeSpan.FromMilliseconds(2)),
            new BatchReport("silo-a#0", 2, 150, 154, 200, TimeSpan.FromMilliseconds(3)),
            new BatchReport("silo-b#0", 3, 90, 96, 96, TimeSpan.FromMilliseconds(1), "CUDA:0 NVIDIA H200"),
        };
        await ReportAsync(job, tally, reports[0]);
        await ReportAsync(job, tally, reports[1]);

        var running = await WaitForAsync(job, s => s.SequencesComputed == 5);
        Assert.Equal(1, running.QueuedBatches);
        Assert.False(running.Completed);
        Assert.Equal("figures-input", running.Input);
        Assert.NotNull(running.StartedAt);

        await ReportAsync(job, tally, reports[2]);
        await WaitForAsync(job, s => s.SequencesComputed == 8);
        await job.RecordShardAsync(0, 8, 0, [], []);
        await job.CompleteAsync();
        var done = await job.GetSnapshotAsync();

        Assert.Equal(0, done.QueuedBatches);
        Assert.Equal((double)reports.Sum(r => r.RealTokens) / reports.Sum(r => r.PaddedTokens), done.PaddingEfficiency, 12);
        Assert.Equal(1.0, done.Progress);
        foreach (var device in done.Devices)
        {
            var busy = reports.Where(r => r.DeviceKey == device.DeviceKey).Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Busy);
            // A share is of the job's wall time, so it tops out at 1 when the reported busy time outlasts a quick test's run.
            Assert.Equal(Math.Min(1, busy.TotalSeconds / done.Elapsed.TotalSeconds), device.BusyShare, 12);
            Assert.Equal(reports.First(r => r.DeviceKey == device.DeviceKey).Accelerator, device.Accelerator);
        }

        // The series accounts for every sequence and residue, over the whole run, without gaps.
        var points = done.Throughput!;
        Assert.NotEmpty(points);
        Assert.Equal(done.SequencesComputed, points.Sum(p => p.Sequences));
        Assert.Equal(done.Residues, points.Sum(p => p.Residues));
        Assert.Equal(done.Elapsed, points[^1].Start + points[^1].Duration);
        Assert.All(points.Skip(1).Zip(points), pair => Assert.Equal(pair.Second.Start + pair.Second.Duration, pair.First.Start));

        // Every silo of the test cluster was there when the job started, and none left.
        var silos = done.Silos!;
        Assert.Equal(fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToParsableString()).Order(), silos.Select(s => s.Address).Order());
        Assert.All(silos, s => Assert.True(s.PresentAtStart && s.Left is null && s.Status == "Active", $"{s}"));

        // The registry keeps the final figures for the job list after the aggregator goes.
        var listing = await fixture.Cluster.Client.GetGrain<IJobRegistryGrain>(0).FindAsync("figures-job");
        Assert.Equal(done.Rows, listing!.Final!.Rows);
        Assert.Equal(done.Elapsed, listing.Final.Elapsed);
        Assert.Contains(await fixture.Cluster.Client.GetGrain<IJobRegistryGrain>(0).GetJobsAsync(), j => j.JobId == "figures-job");
    }

    [Fact]
    public async Task A_batch_no_device_computed_leaves_the_queue_but_names_no_device()
    {
        var job = fixture.Cluster.Client.GetGrain<IJobFiguresAggregatorGrain>("not-computed-job");
        await job.StartAsync(new JobStart("model", "input", 3));
        var tally = new JobFiguresTally();
        tally.AddPlanned(2);
        await ReportAsync(job, tally, new BatchReport("silo-a#0", 2, 60, 62, 64, TimeSpan.FromMilliseconds(5)));
        await ReportAsync(job, tally, BatchReport.NotComputed);

        var snapshot = await WaitForAsync(job, s => s.QueuedBatches == 0 && s.SequencesComputed == 2);
        var device = Assert.Single(snapshot.Devices);
        Assert.Equal("silo-a#0", device.DeviceKey);
        Assert.Equal(1, device.Batches);
    }

    [Fact]
    public async Task View_addresses_of_silos_that_left_are_not_offered()
    {
        var registry = fixture.Cluster.Client.GetGrain<IJobRegistryGrain>(0);
        var live = fixture.Cluster.GetActiveSilos().First().SiloAddress.ToParsableString();
        await registry.RegisterViewAsync(live, "http://127.0.0.1:1/");
        await registry.RegisterViewAsync(SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), 1).ToParsableString(), "http://127.0.0.1:2/");

        Assert.Equal(["http://127.0.0.1:1/"], await registry.GetViewsAsync());
    }

    private static async Task ReportAsync(IJobFiguresAggregatorGrain job, JobFiguresTally tally, BatchReport report)
    {
        tally.Add(report);
        await job.ReportFiguresAsync(tally.ToReport("silo-a"));
    }

    private static async Task<JobSnapshot> WaitForAsync(IJobFiguresAggregatorGrain job, Func<JobSnapshot, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var snapshot = await job.GetSnapshotAsync();
            if (condition(snapshot))
            {
                return snapshot;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
