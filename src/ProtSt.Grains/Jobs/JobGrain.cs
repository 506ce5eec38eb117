using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// The aggregator of one job. Shards send a delta per batch; snapshots give totals, overall and recent throughput
/// (a sliding window), an ETA when the input size is known, and per-device figures.
/// </summary>
internal sealed class JobGrain(TimeProvider time) : Grain, IJobGrain
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, DeviceFigures> _devices = new(StringComparer.Ordinal);
    private readonly Queue<(long At, int Sequences)> _recent = new();
    private JobStart? _start;
    private ConfusionMatrix? _confusion;
    private long _started;
    private long _finished;
    private long _rows;
    private long _failedRows;
    private long _sequences;
    private long _residues;
    private long _realTokens;
    private long _paddedTokens;

    public Task StartAsync(JobStart start)
    {
        _start = start;
        _started = time.GetTimestamp();
        _confusion = start.ClassNames is { Count: > 0 } names ? new ConfusionMatrix(names.Count) : null;
        return Task.CompletedTask;
    }

    public Task ReportAsync(BatchReport report)
    {
        EnsureStarted();
        _sequences += report.Sequences;
        _residues += report.Residues;
        _realTokens += report.RealTokens;
        _paddedTokens += report.PaddedTokens;
        _recent.Enqueue((time.GetTimestamp(), report.Sequences));
        var device = _devices.GetValueOrDefault(report.DeviceKey) ?? new DeviceFigures(report.DeviceKey, 0, 0, 0, 0, TimeSpan.Zero);
        _devices[report.DeviceKey] = device with
        {
            Batches = device.Batches + 1,
            Sequences = device.Sequences + report.Sequences,
            RealTokens = device.RealTokens + report.RealTokens,
            PaddedTokens = device.PaddedTokens + report.PaddedTokens,
            Busy = device.Busy + report.Busy,
        };
        return Task.CompletedTask;
    }

    public Task RecordRowsAsync(int rows, int failed)
    {
        EnsureStarted();
        _rows += rows;
        _failedRows += failed;
        return Task.CompletedTask;
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

    public Task CompleteAsync()
    {
        _finished = time.GetTimestamp();
        return Task.CompletedTask;
    }

    public Task<JobSnapshot> GetSnapshotAsync()
    {
        var now = time.GetTimestamp();
        var elapsed = _started == 0 ? TimeSpan.Zero : time.GetElapsedTime(_started, _finished != 0 ? _finished : now);
        while (_recent.Count > 0 && time.GetElapsedTime(_recent.Peek().At, now) > Window)
        {
            _recent.Dequeue();
        }

        var seconds = elapsed.TotalSeconds;
        var window = Math.Min(Window.TotalSeconds, seconds);
        var windowRate = window > 0 ? _recent.Sum(r => r.Sequences) / window : 0;
        var rate = seconds > 0 ? _rows / seconds : 0;
        TimeSpan? eta = _start?.ExpectedRecords is { } expected && rate > 0 && _finished == 0
            ? TimeSpan.FromSeconds(Math.Max(0, expected - _rows) / rate)
            : null;
        return Task.FromResult(new JobSnapshot(
            this.GetPrimaryKeyString(), _finished != 0, _rows, _failedRows, _sequences, _residues, _realTokens, _paddedTokens, elapsed,
            seconds > 0 ? _sequences / seconds : 0, seconds > 0 ? _residues / seconds : 0, windowRate, _start?.ExpectedRecords, eta,
            _devices.Values.OrderBy(d => d.DeviceKey, StringComparer.Ordinal).ToList(),
            _confusion is null ? null : new ClassificationFigures(_start!.ClassNames!, _confusion.Total, _confusion.Accuracy, _confusion.MacroF1, _confusion.Mcc, _confusion.ToRows())));
    }

    private void EnsureStarted()
    {
        if (_started == 0)
        {
            _started = time.GetTimestamp();
        }
    }
}
