namespace ProtSt.Grains.Tests;

/// <summary>The aggregator's own arithmetic, fed directly.</summary>
[Collection(SharedCluster.Name)]
public sealed class JobFiguresAggregatorGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Labelled_predictions_give_accuracy_confusion_and_macro_f1()
    {
        var job = fixture.Cluster.Client.GetGrain<IJobFiguresAggregatorGrain>("metrics-job");
        await job.StartAsync(new JobStart("model", "input", 10, ["membrane", "soluble"]));
        await job.RecordShardAsync(0, 10, 0, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]);

        var figures = (await job.GetSnapshotAsync()).Classification!;
        Assert.Equal(["membrane", "soluble"], figures.ClassNames);
        Assert.Equal(10, figures.Labelled);
        Assert.Equal(0.7, figures.Accuracy, 12);
        Assert.Equal([[4L, 2], [1, 3]], figures.ConfusionMatrix);
        Assert.Equal(10.0 / Math.Sqrt(600), figures.Mcc, 12);
        Assert.Equal(((6.0 / 9) + (8.0 / 11)) / 2, figures.MacroF1, 12);
    }

    [Fact]
    public async Task Eta_follows_the_expected_size_and_disappears_when_done()
    {
        var job = fixture.Cluster.Client.GetGrain<IJobFiguresAggregatorGrain>("eta-job");
        await job.StartAsync(new JobStart("model", "input", 100));
        await Task.Delay(200);
        await job.RecordShardAsync(0, 25, 0, [], []);
        var running = await job.GetSnapshotAsync();
        Assert.NotNull(running.Eta);
        Assert.Null(running.Classification);

        // 25 of 100 rows took the elapsed time so far; the remaining 75 should take about three times as long.
        Assert.InRange(running.Eta!.Value.TotalSeconds, running.Elapsed.TotalSeconds * 2.5, running.Elapsed.TotalSeconds * 3.5);

        await job.RecordShardAsync(1, 75, 0, [], []);
        await job.CompleteAsync();
        var done = await job.GetSnapshotAsync();
        Assert.True(done.Completed);
        Assert.Null(done.Eta);
        Assert.Equal(100, done.Rows);
    }

    [Fact]
    public async Task Predictions_without_class_names_are_refused()
    {
        var job = fixture.Cluster.Client.GetGrain<IJobFiguresAggregatorGrain>("unlabelled-job");
        await job.StartAsync(new JobStart("model", "input", null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => job.RecordShardAsync(0, 1, 0, [0], [0]));
    }
}
