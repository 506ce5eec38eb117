using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
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
/// </summary>
[DevicePlacement]
[Immovable]
[KeepAlive]
[Reentrant]
internal sealed class DeviceGrain(IOptions<DeviceOptions> options, IDeviceBackendFactory backends, DeviceDrain drain) : Grain, IDeviceGrain, IDisposable
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
        Task.FromResult(new DeviceStats(this.GetPrimaryKeyString(), _batches, _sequences, _realTokens, _paddedTokens, _busy, _failures));

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
        var stopwatch = Stopwatch.StartNew();
        BatchOutputs output;
        try
        {
            // The backend keeps blocking work (ONNX Runtime) off the grain scheduler itself; a simulated device just waits.
            var run = session.RunAsync(encoded, batch.Outputs ?? OutputRequest.Default, CancellationToken.None).AsTask();
            _running = run;
            output = await run;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failures++;
            throw new DeviceFailedException($"Device {this.GetPrimaryKeyString()} failed on a batch of {batch.BatchSize} x {batch.SequenceLength}: {e.Message}");
        }

        var busy = stopwatch.Elapsed;
        _batches++;
        _sequences += batch.BatchSize;
        _realTokens += encoded.RealTokens;
        _paddedTokens += encoded.PaddedTokens;
        _busy += busy;
        return new DeviceBatchResult(this.GetPrimaryKeyString(), output, busy, Accelerator);
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
