using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using ProtSt.Grains;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.Tests;

/// <summary>/metrics scraped and parsed as Prometheus would, against the aggregator's own figures.</summary>
[Collection(SharedSiloHost.Name)]
public sealed partial class MetricsTests(SiloHostFixture fixture)
{
    [Fact]
    public async Task Metrics_carry_the_final_figures_of_a_job_and_orleans_own_meter()
    {
        var jobId = $"metrics-{Guid.NewGuid():N}";
        var records = SyntheticProteome.Records(90, seed: 11);
        var final = await fixture.RunJobAsync(jobId, records.ToAsyncEnumerable());
        var job = ("job_id", jobId);

        var metrics = await ScrapeUntilAsync(m => m.Samples.Any(s => s.Name == "protst_job_completed" && s.Labels.GetValueOrDefault("job_id") == jobId && s.Value == 1));
        Assert.Equal(final.Rows, metrics.Single("protst_job_rows_total", job));
        Assert.Equal(final.FailedRows, metrics.Single("protst_job_failed_rows_total", job));
        Assert.Equal(final.ExpectedRecords, (long)metrics.Single("protst_job_expected_records", job));
        Assert.Equal(final.Progress, metrics.Single("protst_job_progress", job));
        Assert.Equal(final.SequencesComputed, metrics.Single("protst_job_sequences_total", job));
        Assert.Equal(final.Residues, metrics.Single("protst_job_residues_total", job));
        Assert.Equal(final.RealTokens, metrics.Single("protst_job_tokens_total", job, ("kind", "real")));
        Assert.Equal(final.PaddedTokens, metrics.Single("protst_job_tokens_total", job, ("kind", "padded")));
        Assert.Equal(final.PaddingEfficiency, metrics.Single("protst_job_padding_efficiency", job), 12);
        Assert.Equal(final.SequencesPerSecond, metrics.Single("protst_job_throughput_per_second", job, ("unit", "sequence")), 9);
        Assert.Equal(final.ResiduesPerSecond, metrics.Single("protst_job_throughput_per_second", job, ("unit", "residue")), 6);
        Assert.Equal(final.WindowSequencesPerSecond, metrics.Single("protst_job_recent_throughput_per_second", job), 9);
        Assert.Equal(final.Elapsed.TotalSeconds, metrics.Single("protst_job_elapsed_seconds", job), 9);
        Assert.Equal(final.QueuedBatches, metrics.Single("protst_job_queue_depth", job));
        Assert.True(final.AggregatorCalls > 0);
        Assert.Equal(final.AggregatorCalls, metrics.Single("protst_job_aggregator_calls_total", job));
        Assert.DoesNotContain(metrics.Samples, s => s.Name == "protst_job_eta_seconds" && s.Labels.GetValueOrDefault("job_id") == jobId);

        var device = Assert.Single(final.Devices);
        var onDevice = ("device", device.DeviceKey);
        Assert.Equal(device.Batches, metrics.Single("protst_device_batches_total", job, onDevice));
        Assert.Equal(device.Sequences, metrics.Single("protst_device_sequences_total", job, onDevice));
        Assert.Equal(device.Busy.TotalSeconds, metrics.Single("protst_device_busy_seconds_total", job, onDevice), 9);
        Assert.Equal(device.BusyShare, metrics.Single("protst_device_busy_share", job, onDevice), 12);
        Assert.True(metrics.Single("protst_cluster_jobs", ("state", "completed")) >= 1);
        Assert.Equal(1, metrics.Single("protst_cluster_silos", ("status", "Active")));

        Assert.Equal("counter", metrics.Types["protst_job_rows_total"]);
        Assert.Equal("gauge", metrics.Types["protst_job_queue_depth"]);

        // Orleans' own instruments are exported beside ours.
        Assert.Contains(metrics.Samples, s => s.Labels.GetValueOrDefault("otel_scope_name") == SiloHost.OrleansMeterName);
    }

    [Fact]
    public async Task Queue_depth_and_accuracy_are_exported_while_a_job_runs()
    {
        // Fed as the silos (their cumulative figures) and the coordinator (each finished shard) feed it, with the job open.
        var jobId = $"labelled-{Guid.NewGuid():N}";
        var job = fixture.Grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
        await job.StartAsync(new JobStart("model", "labelled-input", 12, ["membrane", "soluble", "secreted"]));
        // Five batches planned on one silo, none computed yet: the queue depth.
        await job.ReportFiguresAsync(new JobFiguresReport("silo-a", 1, 5, 0, 0, 0, 0, 0, []));
        await job.RecordShardAsync(0, 6, 0, [0, 1, 2, 2, 1, 0], [0, 1, 2, 1, 1, 2]);
        var snapshot = await job.GetSnapshotAsync();

        var metrics = await ScrapeUntilAsync(m => m.Samples.Any(s => s.Name == "protst_job_queue_depth" && s.Labels.GetValueOrDefault("job_id") == jobId));
        var labels = ("job_id", jobId);
        Assert.Equal(snapshot.QueuedBatches, metrics.Single("protst_job_queue_depth", labels));
        Assert.True(metrics.Single("protst_cluster_queue_depth") >= snapshot.QueuedBatches);
        Assert.Equal(0, metrics.Single("protst_job_completed", labels));
        Assert.Equal(snapshot.Classification!.Labelled, metrics.Single("protst_job_labelled_total", labels));
        Assert.Equal(snapshot.Classification.Accuracy, metrics.Single("protst_job_accuracy", labels), 12);
        Assert.Equal(snapshot.Classification.MacroF1, metrics.Single("protst_job_macro_f1", labels), 12);
        Assert.Equal(snapshot.Classification.Mcc, metrics.Single("protst_job_mcc", labels), 12);
        await job.CompleteAsync();
    }

    [Fact]
    public async Task Every_instrument_and_exported_family_is_documented()
    {
        var docs = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "docs", "monitoring.md"));
        var documented = DocumentedName().Matches(docs).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        var instruments = new List<string>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == ProtStMetrics.MeterName)
                {
                    instruments.Add(instrument.Name);
                }
            };
            listener.Start();
        }

        Assert.NotEmpty(instruments);
        Assert.All(instruments, name => Assert.Contains(name, documented));

        var metrics = await ScrapeUntilAsync(m => m.Samples.Any(s => s.Name.StartsWith("protst_", StringComparison.Ordinal)));
        Assert.All(metrics.Types.Keys.Where(k => k.StartsWith("protst_", StringComparison.Ordinal)), family => Assert.Contains(family, documented));
    }

    private async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> condition)
    {
        // The figures refresh once a second; a scrape may come before the job's last one.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var text = await fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), timeout.Token);
            var metrics = PrometheusText.Parse(text);
            if (condition(metrics))
            {
                return metrics;
            }

            await Task.Delay(250, timeout.Token);
        }
    }

    [GeneratedRegex(@"protst[._][a-z0-9_.]+[a-z0-9]")]
    private static partial Regex DocumentedName();
}
