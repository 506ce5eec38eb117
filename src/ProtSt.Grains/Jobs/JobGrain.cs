using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// The aggregator of one job. Shards send a delta per batch; snapshots give totals, overall and recent throughput
/// (a sliding window) and throughput over time, the queue of planned batches, an ETA when the input size is known,
/// per-device figures, and the silos seen while the job ran.
/// </summary>
internal sealed class JobGrain(TimeProvider time, IClusterMembershipService membership) : Grain, IJobGrain
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, DeviceFigures> _devices = new(StringComparer.Ordinal);
    private readonly Queue<(long At, int Sequences)> _recent = new();

    // 180 one-second buckets: the first three minutes at full detail, then coarser, about 10 KB of JSON at most.
    private readonly ThroughputSeries _series = new(180, TimeSpan.FromSeconds(1));
    private readonly SiloHistory _silos = new();
    private readonly HashSet<int> _shardsCounted = [];
    private JobStart? _start;
    private DateTimeOffset? _startedAt;
    private ConfusionMatrix? _confusion;
    private long _started;
    private long _finished;
    private long _rows;
    private long _failedRows;
    private long _sequences;
    private long _residues;
    private long _realTokens;
    private long _paddedTokens;
    private long _plannedBatches;
    private long _reportedBatches;

    public async Task StartAsync(JobStart start)
    {
        if (_start is not null)
        {
            // A coordinator that moved starts its job again; the figures so far stand.
            return;
        }

        _start = start;
        _started = time.GetTimestamp();
        _startedAt = time.GetUtcNow();
        _confusion = start.ClassNames is { Count: > 0 } names ? new ConfusionMatrix(names.Count) : null;
        _silos.Observe(membership.CurrentSnapshot, _startedAt.Value);
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).AddAsync(new JobListing(this.GetPrimaryKeyString(), start.Input, _startedAt.Value, null));
    }

    public Task ReportPlannedAsync(int batches)
    {
        EnsureStarted();
        _plannedBatches += batches;
        return Task.CompletedTask;
    }

    public Task ReportAsync(BatchReport report)
    {
        EnsureStarted();
        _sequences += report.Sequences;
        _residues += report.Residues;
        _realTokens += report.RealTokens;
        _paddedTokens += report.PaddedTokens;
        _reportedBatches++;
        if (!report.Computed)
        {
            // Only the queue moves: a device named "" would appear in the job's figures and /metrics.
            return Task.CompletedTask;
        }

        var now = time.GetTimestamp();
        _recent.Enqueue((now, report.Sequences));
        _series.Add(time.GetElapsedTime(_started, now), report.Sequences, report.Residues);
        var device = _devices.GetValueOrDefault(report.DeviceKey) ?? new DeviceFigures(report.DeviceKey, 0, 0, 0, 0, TimeSpan.Zero, Accelerator: report.Accelerator);
        _devices[report.DeviceKey] = device with
        {
            Batches = device.Batches + 1,
            Sequences = device.Sequences + report.Sequences,
            RealTokens = device.RealTokens + report.RealTokens,
            PaddedTokens = device.PaddedTokens + report.PaddedTokens,
            Busy = device.Busy + report.Busy,
        };
        _silos.Observe(membership.CurrentSnapshot, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task RecordRowsAsync(int rows, int failed)
    {
        EnsureStarted();
        _rows += rows;
        _failedRows += failed;
        return Task.CompletedTask;
    }

    public async Task RecordShardAsync(int shard, int rows, int failed, int[] actual, int[] predicted)
    {
        if (actual.Length > 0 && _confusion is null)
        {
            // A fresh activation that was never started (its silo died): the coordinator starts it and sends this again.
            throw new InvalidOperationException("This job was started without class names, so predictions cannot be scored.");
        }

        if (!_shardsCounted.Add(shard))
        {
            return;
        }

        await RecordRowsAsync(rows, failed);
        if (actual.Length > 0)
        {
            await RecordPredictionsAsync(actual, predicted);
        }
    }

    public Task RecordPredictionsAsync(int[] actual, int[] predicted)
    {
        if (_confusion is null)
        {
            throw new InvalidOperationException("This job was started without class names, so predictions cannot be scored.");
        }

        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} labels but {predicted.Length} predictions.", nameof(predicted));
        }

        for (var i = 0; i < actual.Length; i++)
        {
            _confusion.Add(actual[i], predicted[i]);
        }

        return Task.CompletedTask;
    }

    public async Task CompleteAsync()
    {
        _finished = time.GetTimestamp();

        // The registry keeps the final figures after this grain is collected, for the job list, the view and /metrics.
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).CompleteAsync(await GetSnapshotAsync());
    }

    public Task<JobSnapshot> GetSnapshotAsync()
    {
        var now = time.GetTimestamp();
        var completed = _finished != 0;
        var elapsed = _started == 0 ? TimeSpan.Zero : time.GetElapsedTime(_started, completed ? _finished : now);
        while (_recent.Count > 0 && time.GetElapsedTime(_recent.Peek().At, now) > Window)
        {
            _recent.Dequeue();
        }

        if (_startedAt is not null)
        {
            _silos.Observe(membership.CurrentSnapshot, time.GetUtcNow());
        }

        var seconds = elapsed.TotalSeconds;
        var window = Math.Min(Window.TotalSeconds, seconds);
        var windowRate = window > 0 ? _recent.Sum(r => r.Sequences) / window : 0;
        var rate = seconds > 0 ? _rows / seconds : 0;
        TimeSpan? eta = _start?.ExpectedRecords is { } expected && rate > 0 && !completed
            ? TimeSpan.FromSeconds(Math.Max(0, expected - _rows) / rate)
            : null;

        // Batches of a shard retried elsewhere are planned twice and reported once; a finished job has no queue.
        var queued = completed ? 0 : Math.Max(0, _plannedBatches - _reportedBatches);
        var devices = _devices.Values
            .OrderBy(d => d.DeviceKey, StringComparer.Ordinal)
            .Select(d => d with { BusyShare = seconds > 0 ? Math.Min(1, d.Busy.TotalSeconds / seconds) : 0 })
            .ToList();
        return Task.FromResult(new JobSnapshot(
            this.GetPrimaryKeyString(), completed, _rows, _failedRows, _sequences, _residues, _realTokens, _paddedTokens, elapsed,
            seconds > 0 ? _sequences / seconds : 0, seconds > 0 ? _residues / seconds : 0, windowRate, _start?.ExpectedRecords, eta,
            devices,
            _confusion is null ? null : new ClassificationFigures(_start!.ClassNames!, _confusion.Total, _confusion.Accuracy, _confusion.MacroF1, _confusion.Mcc, _confusion.ToRows()),
            _start?.Input, _start?.ModelDirectory, _startedAt, queued, _series.Points(elapsed, completed), _silos.Silos));
    }

    private void EnsureStarted()
    {
        if (_started == 0)
        {
            _started = time.GetTimestamp();
            _startedAt = time.GetUtcNow();
        }
    }
}
