using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using ProtSt.Grains.Online;
using ProtSt.Grains.Placement;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Inference;

/// <summary>
/// One accelerator on one silo. It owns the backend (the inference sessions) of the model it was last asked to run and
/// runs one computation at a time on it; the backend is shared with nothing else. Calls are taken at once (the grain
/// is reentrant) and wait in a <see cref="DeviceScheduler{T}"/>: the jobs with batches waiting take turns by padded
/// tokens and priority (<c>Devices:Scheduling</c>), so a large job cannot starve a small one submitted after it.
/// Online batches go first; while they are about, a job batch runs in slices with the online ones between them.
/// </summary>
[DevicePlacement]
[Immovable]
[KeepAlive]
[Reentrant]
internal sealed class DeviceGrain(IOptions<DeviceOptions> options, IOptions<ServingOptions> serving, IDeviceBackendFactory backends, DeviceDrain drain) : Grain, IDeviceGrain, IDisposable
{
    private readonly DeviceScheduler<Work> _queue = new(options.Value.Scheduling);
    private readonly List<IDeviceBackend> _sessions = [];
    private Task _running = Task.CompletedTask;
    private bool _serving;
    private long _batches;
    private long _sequences;
    private long _realTokens;
    private long _paddedTokens;
    private long _failures;
    private TimeSpan _busy;
    private long _lastOnline = long.MinValue;

    public Task<DeviceBatchResult> RunAsync(DeviceBatch batch)
    {
        // A lost call to the shard (not a device error): it moves the batch to another device.
        if (drain.Draining)
        {
            return Task.FromException<DeviceBatchResult>(Leaving());
        }

        var work = new Work<DeviceBatchResult>(() => ServeBatchAsync(batch));
        if (batch.Online)
        {
            _lastOnline = Stopwatch.GetTimestamp();
            _queue.EnqueueOnline(work);
        }
        else
        {
            _queue.Enqueue(batch.JobId, batch.Weight, (long)batch.BatchSize * batch.SequenceLength, work);
        }

        Serve();
        return work.Result;
    }

    public Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request)
    {
        if (request.Prompts.Count == 0)
        {
            return Task.FromException<TextEmbeddingResult>(new ArgumentException("At least one prompt is needed.", nameof(request)));
        }

        // A few prompts once per job: served before the waiting batches, so a job's start does not queue behind others' work.
        var work = new Work<TextEmbeddingResult>(() => EmbedAsync(request));
        _queue.EnqueueUrgent(work);
        Serve();
        return work.Result;
    }

    public Task PreloadAsync(string modelDirectory)
    {
        var work = new Work<bool>(async () => (await SessionFor(modelDirectory)) is not null);
        _queue.EnqueueUrgent(work);
        Serve();
        return work.Result;
    }

    public Task<DeviceStats> GetStatsAsync() =>
        Task.FromResult(new DeviceStats(this.GetPrimaryKeyString(), _batches, _sequences, _realTokens, _paddedTokens, _busy, _failures, _queue.Count, _queue.OnlineCount));

    // A silo stopping (or a test killing it) disposes the grain while its thread-pool computation may still run on the
    // native session; disposing under it crashes the process, so the session goes when the computation ends.
    public void Dispose()
    {
        var sessions = _sessions.ToList();
        _ = _running.ContinueWith(_ => sessions.ForEach(s => s.Dispose()), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    // The silo stops this activation: nothing waiting will run here, so the shards move those batches elsewhere.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (var work in _queue.TakeAll())
        {
            work.Refuse(Leaving());
        }

        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    // One loop at a time drains the queue on the grain's scheduler: exactly one computation runs on the backend.
    private void Serve()
    {
        if (_serving)
        {
            return;
        }

        _serving = true;
        _ = ServeAllAsync();
    }

    private async Task ServeAllAsync()
    {
        try
        {
            while (_queue.TryDequeue(out var work))
            {
                await work.RunAsync();
            }
        }
        finally
        {
            _serving = false;
        }
    }

    private async Task<DeviceBatchResult> ServeBatchAsync(DeviceBatch batch)
    {
        // Counted in the drain only while it runs: a leaving silo waits for the running batch, and the ones still waiting
        // here are refused as they come up instead of holding the silo's stop for the whole queue.
        if (!drain.TryEnter())
        {
            throw Leaving();
        }

        try
        {
            return await ComputeAsync(batch);
        }
        finally
        {
            drain.Exit();
        }
    }

    private async Task<TextEmbeddingResult> EmbedAsync(TextEmbeddingRequest request)
    {
        var session = await SessionFor(request.ModelDirectory);
        var stopwatch = Stopwatch.StartNew();
        var run = session.EmbedTextAsync(request.Prompts, CancellationToken.None).AsTask();
        _running = run;
        var embedded = await run;
        _busy += stopwatch.Elapsed;
        return new TextEmbeddingResult(embedded.Count, embedded.Width, embedded.Features);
    }

    private InvalidOperationException Leaving() => new($"Device {this.GetPrimaryKeyString()} is leaving with its silo and takes no new batch.");

    private async Task<DeviceBatchResult> ComputeAsync(DeviceBatch batch)
    {
        var session = await SessionFor(batch.ModelDirectory);
        var encoded = EncodedBatch.FromPadded(batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength);
        var outputs = batch.Outputs ?? OutputRequest.Default;
        var rows = SliceRows(batch);
        var parts = new List<BatchOutputs>();
        var busy = TimeSpan.Zero;
        for (var start = 0; start < batch.BatchSize; start += rows)
        {
            if (start > 0)
            {
                // Between slices the online (and urgent) work that came meanwhile runs: it waited for one slice only.
                while (_queue.TryDequeueAhead(out var ahead))
                {
                    await ahead.RunAsync();
                }

                // Work for another model may have closed this one's session (Devices:ModelsPerDevice): it opens again.
                session = await SessionFor(batch.ModelDirectory);
            }

            var slice = rows >= batch.BatchSize ? encoded : encoded.Rows(start, Math.Min(rows, batch.BatchSize - start));
            var stopwatch = Stopwatch.StartNew();
            try
            {
                // The backend keeps blocking work (ONNX Runtime) off the grain scheduler itself; a simulated device just waits.
                var run = session.RunAsync(slice, outputs, CancellationToken.None).AsTask();
                _running = run;
                parts.Add(await run);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _failures++;
                throw new DeviceFailedException($"Device {this.GetPrimaryKeyString()} failed on a batch of {batch.BatchSize} x {batch.SequenceLength}: {e.Message}");
            }

            busy += stopwatch.Elapsed;
        }

        var output = BatchOutputs.Concat(parts);
        _batches++;
        _sequences += batch.BatchSize;
        _realTokens += encoded.RealTokens;
        _paddedTokens += encoded.PaddedTokens;
        _busy += busy;
        return new DeviceBatchResult(this.GetPrimaryKeyString(), output, busy, Accelerator);
    }

    // Rows per slice of a job batch: all of them (one run, as always) unless online work has reached this device within
    // Serving:JobSlicingAfterOnline, when a slice holds at most Serving:JobSliceTokens padded tokens (one row at least).
    private int SliceRows(DeviceBatch batch)
    {
        var settings = serving.Value;
        var recent = _queue.OnlineCount > 0
            || (_lastOnline != long.MinValue && Stopwatch.GetElapsedTime(_lastOnline) < settings.JobSlicingAfterOnline);
        return batch.Online || settings.JobSliceTokens <= 0 || !recent
            ? batch.BatchSize
            : Math.Clamp(settings.JobSliceTokens / batch.SequenceLength, 1, batch.BatchSize);
    }

    // What this device computes on, as the job view and /metrics show it.
    private string Accelerator => options.Value.Backend == DeviceBackendKind.Simulated
        ? "simulated"
        : CudaDevices.Describe(options.Value.ForDevice(DeviceKey.Parse(this.GetPrimaryKeyString()).Index).Inference);

    // The device keeps the sessions of its last Devices:ModelsPerDevice models, most recently used last, so jobs of
    // different models taking turns on it do not reopen them at every switch. Nothing runs on a session while this
    // runs (one computation at a time), so the least recently used one can go before another opens.
    private async Task<IDeviceBackend> SessionFor(string modelDirectory)
    {
        var path = Path.GetFullPath(modelDirectory);
        var index = _sessions.FindIndex(s => s.ModelDirectory == path);
        if (index >= 0)
        {
            var open = _sessions[index];
            _sessions.RemoveAt(index);
            _sessions.Add(open);
            return open;
        }

        while (_sessions.Count >= Math.Max(1, options.Value.ModelsPerDevice))
        {
            _sessions[0].Dispose();
            _sessions.RemoveAt(0);
        }

        var key = this.GetPrimaryKeyString();
        var opened = await Task.Run(() => backends.Open(path, key, options.Value.ForDevice(DeviceKey.Parse(key).Index)));
        _sessions.Add(opened);
        return opened;
    }

    /// <summary>A call waiting for its turn on the device.</summary>
    private abstract class Work
    {
        public abstract Task RunAsync();

        public abstract void Refuse(Exception reason);
    }

    /// <summary>A call waiting for its turn, and the task its caller awaits.</summary>
    private sealed class Work<TResult>(Func<Task<TResult>> run) : Work
    {
        private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<TResult> Result => _result.Task;

        public override async Task RunAsync()
        {
            try
            {
                _result.TrySetResult(await run());
            }
            catch (Exception e)
            {
                _result.TrySetException(e);
            }
        }

        public override void Refuse(Exception reason) => _result.TrySetException(reason);
    }
}
