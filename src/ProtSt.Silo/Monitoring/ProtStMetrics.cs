using System.Diagnostics.Metrics;
using ProtSt.Grains;

namespace ProtSt.Silo.Monitoring;

/// <summary>
/// The job figures as OpenTelemetry instruments on the <c>ProtSt</c> meter. Every silo host exports the same
/// cluster-wide figures (they come from the aggregators), so scraping any one host is enough.
/// </summary>
public sealed class ProtStMetrics
{
    public const string MeterName = "ProtSt";

    private volatile Figures _figures = new([], []);

    public ProtStMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("protst.job.rows", () => PerJob(j => j.Rows), "{record}", "Records of the job that have their output row.");
        meter.CreateObservableCounter("protst.job.failed_rows", () => PerJob(j => j.FailedRows), "{record}", "Records skipped as invalid.");
        meter.CreateObservableGauge("protst.job.expected_records", () => PerJob(j => j.ExpectedRecords), "{record}", "Records in the input, when counted before the job.");
        meter.CreateObservableGauge("protst.job.progress", () => PerJob(j => j.Progress), "1", "Rows over expected records.");
        meter.CreateObservableCounter("protst.job.sequences", () => PerJob(j => j.SequencesComputed), "{sequence}", "Sequences the devices computed (a batch run again after a failure counts again).");
        meter.CreateObservableCounter("protst.job.residues", () => PerJob(j => j.Residues), "{residue}", "Residues of the computed sequences.");
        meter.CreateObservableCounter("protst.job.tokens", Tokens, "{token}", "Tokens the devices ran: kind=real (sequence tokens) or kind=padded (real plus padding).");
        meter.CreateObservableGauge("protst.job.padding_efficiency", () => PerJob(j => j.PaddingEfficiency), "1", "Real tokens over padded tokens.");
        meter.CreateObservableGauge("protst.job.throughput", Throughput, "{item}/s", "Over the whole job: unit=sequence or unit=residue per second.");
        meter.CreateObservableGauge("protst.job.recent_throughput", () => PerJob(j => j.WindowSequencesPerSecond), "{sequence}/s", "Sequences per second over the last 10 seconds.");
        meter.CreateObservableGauge("protst.job.queue_depth", () => PerJob(j => j.QueuedBatches), "{batch}", "Batches planned by shards and not yet computed.");
        meter.CreateObservableGauge("protst.job.elapsed", () => PerJob(j => j.Elapsed.TotalSeconds), "s", "Time since the job started (frozen when it completes).");
        meter.CreateObservableGauge("protst.job.eta", () => PerJob(j => j.Eta?.TotalSeconds), "s", "Estimated time to completion, while running with a known input size.");
        meter.CreateObservableGauge("protst.job.completed", () => PerJob(j => j.Completed ? 1 : 0), "1", "1 once the job has completed, else 0.");
        meter.CreateObservableCounter("protst.job.aggregator_calls", () => PerJob(j => j.AggregatorCalls), "{call}", "Figure reports the job's aggregator received (about one per silo per second).");
        meter.CreateObservableCounter("protst.job.labelled", () => PerJob(j => j.Classification?.Labelled), "{record}", "Labelled records scored, for classification jobs.");
        meter.CreateObservableGauge("protst.job.accuracy", () => PerJob(j => j.Classification?.Accuracy), "1", "Share of labelled records predicted right.");
        meter.CreateObservableGauge("protst.job.macro_f1", () => PerJob(j => j.Classification?.MacroF1), "1", "Macro-averaged F1 over the classes.");
        meter.CreateObservableGauge("protst.job.mcc", () => PerJob(j => j.Classification?.Mcc), "1", "Matthews correlation coefficient (multi-class).");
        meter.CreateObservableCounter("protst.device.batches", () => PerDevice(d => d.Batches), "{batch}", "Batches a device computed for the job.");
        meter.CreateObservableCounter("protst.device.sequences", () => PerDevice(d => d.Sequences), "{sequence}", "Sequences a device computed for the job.");
        meter.CreateObservableCounter("protst.device.busy", () => PerDevice(d => d.Busy.TotalSeconds), "s", "Time a device spent computing the job's batches.");
        meter.CreateObservableGauge("protst.device.busy_share", () => PerDevice(d => d.BusyShare), "1", "A device's busy time over the job's elapsed time.");
        meter.CreateObservableGauge("protst.cluster.queue_depth", () => _figures.Jobs.Where(j => !j.Completed).Sum(j => j.QueuedBatches), "{batch}", "Batches waiting for devices over all running jobs: the autoscaling signal.");
        meter.CreateObservableGauge("protst.cluster.jobs", Jobs, "{job}", "Jobs listed: state=running or state=completed.");
        meter.CreateObservableGauge("protst.cluster.silos", Silos, "{silo}", "Silos in the membership, by status.");
    }

    /// <summary>Replaces the figures the instruments report; called by the refresher.</summary>
    public void Update(IReadOnlyList<JobSnapshot> jobs, IReadOnlyList<(string Status, int Count)> silos) => _figures = new Figures(jobs, silos);

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    private IEnumerable<Measurement<T>> PerJob<T>(Func<JobSnapshot, T?> value)
        where T : struct =>
        _figures.Jobs.Select(j => (j.JobId, Value: value(j)))
            .Where(j => j.Value is not null)
            .Select(j => new Measurement<T>(j.Value!.Value, Tag("job_id", j.JobId)));

    private IEnumerable<Measurement<T>> PerJob<T>(Func<JobSnapshot, T> value)
        where T : struct =>
        _figures.Jobs.Select(j => new Measurement<T>(value(j), Tag("job_id", j.JobId)));

    private IEnumerable<Measurement<T>> PerDevice<T>(Func<DeviceFigures, T> value)
        where T : struct =>
        _figures.Jobs.SelectMany(j => j.Devices.Select(d => new Measurement<T>(value(d), Tag("job_id", j.JobId), Tag("device", d.DeviceKey), Tag("accelerator", d.Accelerator))));

    private IEnumerable<Measurement<long>> Tokens() =>
        _figures.Jobs.SelectMany(j => new[]
        {
            new Measurement<long>(j.RealTokens, Tag("job_id", j.JobId), Tag("kind", "real")),
            new Measurement<long>(j.PaddedTokens, Tag("job_id", j.JobId), Tag("kind", "padded")),
        });

    private IEnumerable<Measurement<double>> Throughput() =>
        _figures.Jobs.SelectMany(j => new[]
        {
            new Measurement<double>(j.SequencesPerSecond, Tag("job_id", j.JobId), Tag("unit", "sequence")),
            new Measurement<double>(j.ResiduesPerSecond, Tag("job_id", j.JobId), Tag("unit", "residue")),
        });

    private IEnumerable<Measurement<int>> Jobs()
    {
        var jobs = _figures.Jobs;
        yield return new Measurement<int>(jobs.Count(j => !j.Completed), Tag("state", "running"));
        yield return new Measurement<int>(jobs.Count(j => j.Completed), Tag("state", "completed"));
    }

    private IEnumerable<Measurement<int>> Silos() => _figures.Silos.Select(s => new Measurement<int>(s.Count, Tag("status", s.Status)));

    private sealed record Figures(IReadOnlyList<JobSnapshot> Jobs, IReadOnlyList<(string Status, int Count)> Silos);
}
