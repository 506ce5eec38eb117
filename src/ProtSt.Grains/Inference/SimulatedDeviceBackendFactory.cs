using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Inference;

/// <summary>
/// Simulated accelerators (<c>Devices:Backend</c> = <c>Simulated</c>): a batch takes the configured time per padded
/// token, waited asynchronously so dozens of devices share a few cores, and returns <see cref="SimulatedEmbedding"/>
/// vectors; with <c>FailureRate</c> a batch fails as a device error would. It never opens the model folder (the shards
/// still read its tokenizer). The factory records each device's activity for the scale benchmark.
/// </summary>
public sealed class SimulatedDeviceBackendFactory(TimeProvider time) : IDeviceBackendFactory
{
    private readonly ConcurrentDictionary<string, Tracker> _devices = new(StringComparer.Ordinal);

    public SimulatedDeviceBackendFactory()
        : this(TimeProvider.System)
    {
    }

    public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options)
    {
        options.Simulated.Validate();
        var tracker = _devices.GetOrAdd(deviceKey, key => new Tracker(key));
        return new Backend(modelDirectory, options.Simulated, tracker, time, FailureSeed(options.Simulated.Seed, deviceKey));
    }

    /// <summary>Each device's activity since the last <see cref="Reset"/>, ordered by device key.</summary>
    public IReadOnlyList<SimulatedDeviceActivity> Activity() =>
        [.. _devices.Values.Select(t => t.Snapshot()).OrderBy(a => a.DeviceKey, StringComparer.Ordinal)];

    /// <summary>Forgets the activity recorded so far (after a warm-up job, say).</summary>
    public void Reset()
    {
        foreach (var tracker in _devices.Values)
        {
            tracker.Reset();
        }
    }

    private static int FailureSeed(int seed, string deviceKey) =>
        HashCode.Combine(seed, (int)XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(deviceKey)));

    private sealed class Backend(string modelDirectory, SimulatedDeviceOptions options, Tracker tracker, TimeProvider time, int seed) : IDeviceBackend
    {
        private readonly Random _failures = new(seed);

        public string ModelDirectory => modelDirectory;

        private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(1);

        // The runtime's timers count whole milliseconds of a coarse clock and can fire a little early; a simulated
        // device must never be faster than configured, or the benchmark's ideal would not be an upper bound.
        private async Task WaitAsync(long start, TimeSpan scheduled, CancellationToken cancellationToken)
        {
            for (var remaining = scheduled; remaining > TimeSpan.Zero; remaining = scheduled - time.GetElapsedTime(start))
            {
                await Task.Delay(remaining < TimerResolution ? TimerResolution : remaining, time, cancellationToken);
            }
        }

        public async ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken)
        {
            var start = time.GetTimestamp();
            var scheduled = options.TimeFor(batch.PaddedTokens);
            var fails = options.FailureRate > 0 && _failures.NextDouble() < options.FailureRate;
            await WaitAsync(start, scheduled, cancellationToken);
            var width = options.EmbeddingWidth;
            var embeddings = new float[batch.BatchSize * width];
            if (!fails)
            {
                for (var row = 0; row < batch.BatchSize; row++)
                {
                    var ids = batch.InputIds.AsSpan(row * batch.SequenceLength, batch.SequenceLength);
                    var real = batch.AttentionMask.AsSpan(row * batch.SequenceLength, batch.SequenceLength).IndexOf(0L) switch
                    {
                        -1 => batch.SequenceLength,
                        var n => n,
                    };
                    SimulatedEmbedding.Fill(ids[..real], embeddings.AsSpan(row * width, width));
                }
            }

            tracker.Record(batch, scheduled, fails, start, time.GetTimestamp(), time);
            if (fails)
            {
                throw new InvalidOperationException(
                    $"simulated device failure (Devices:Simulated:FailureRate {options.FailureRate}) on a batch of {batch.BatchSize} x {batch.SequenceLength}");
            }

            return new BatchOutputs(batch.BatchSize, batch.SequenceLength, width, embeddings);
        }

        public ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The simulated device has no text tower; ProtST zero-shot jobs need the ONNX backend.");

        public void Dispose()
        {
            // Nothing native to free: the simulated device holds no sessions.
        }
    }

    private sealed class Tracker(string deviceKey)
    {
        private readonly Lock _lock = new();
        private SimulatedDeviceActivity _activity = Empty(deviceKey);

        public void Record(EncodedBatch batch, TimeSpan scheduled, bool failed, long start, long end, TimeProvider time)
        {
            lock (_lock)
            {
                var a = _activity;
                _activity = a with
                {
                    Batches = a.Batches + 1,
                    FailedBatches = a.FailedBatches + (failed ? 1 : 0),
                    RealTokens = a.RealTokens + (failed ? 0 : batch.RealTokens),
                    PaddedTokens = a.PaddedTokens + (failed ? 0 : batch.PaddedTokens),
                    Scheduled = a.Scheduled + scheduled,
                    ScheduledOnFailedBatches = a.ScheduledOnFailedBatches + (failed ? scheduled : TimeSpan.Zero),
                    Busy = a.Busy + time.GetElapsedTime(start, end),
                    FirstStart = a.Batches == 0 ? start : Math.Min(a.FirstStart, start),
                    LastEnd = Math.Max(a.LastEnd, end),
                };
            }
        }

        public SimulatedDeviceActivity Snapshot()
        {
            lock (_lock)
            {
                return _activity;
            }
        }

        public void Reset()
        {
            lock (_lock)
            {
                _activity = Empty(deviceKey);
            }
        }

        private static SimulatedDeviceActivity Empty(string key) => new(key, 0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 0, 0);
    }
}
