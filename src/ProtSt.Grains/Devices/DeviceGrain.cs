using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using ProtSt.Grains.Placement;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Devices;

/// <summary>
/// One accelerator on one silo. It owns the backend (the inference sessions) of the model it was last asked to run
/// and, being a non-reentrant grain, runs one batch at a time; the backend is shared with nothing else.
/// </summary>
[DevicePlacement]
[Immovable]
[KeepAlive]
internal sealed class DeviceGrain(IOptions<DeviceOptions> options, IDeviceBackendFactory backends, DeviceDrain drain) : Grain, IDeviceGrain, IDisposable
{
    private IDeviceBackend? _session;
    private Task _running = Task.CompletedTask;
    private long _batches;
    private long _sequences;
    private long _realTokens;
    private long _paddedTokens;
    private long _failures;
    private TimeSpan _busy;

    public async Task<DeviceBatchResult> RunAsync(DeviceBatch batch)
    {
        // A lost call to the shard (not a device error): it moves the batch to another device.
        if (!drain.TryEnter())
        {
            throw new InvalidOperationException($"Device {this.GetPrimaryKeyString()} is leaving with its silo and takes no new batch.");
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

    public async Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request)
    {
        if (request.Prompts.Count == 0)
        {
            throw new ArgumentException("At least one prompt is needed.", nameof(request));
        }

        var session = await SessionFor(request.ModelDirectory);
        var stopwatch = Stopwatch.StartNew();
        var run = session.EmbedTextAsync(request.Prompts, CancellationToken.None).AsTask();
        _running = run;
        var embedded = await run;
        _busy += stopwatch.Elapsed;
        return new TextEmbeddingResult(embedded.Count, embedded.Width, embedded.Features);
    }

    public async Task PreloadAsync(string modelDirectory) => _ = await SessionFor(modelDirectory);

    public Task<DeviceStats> GetStatsAsync() =>
        Task.FromResult(new DeviceStats(this.GetPrimaryKeyString(), _batches, _sequences, _realTokens, _paddedTokens, _busy, _failures));

    // A silo stopping (or a test killing it) disposes the grain while its thread-pool computation may still run on the
    // native session; disposing under it crashes the process, so the session goes when the computation ends.
    public void Dispose()
    {
        if (_session is { } session)
        {
            _ = _running.ContinueWith(_ => session.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private async Task<DeviceBatchResult> ComputeAsync(DeviceBatch batch)
    {
        var session = await SessionFor(batch.ModelDirectory);
        var encoded = EncodedBatch.FromPadded(batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength);
        var stopwatch = Stopwatch.StartNew();
        DeviceComputation output;
        try
        {
            // The backend keeps blocking work (ONNX Runtime) off the grain scheduler itself; a simulated device just waits.
            var run = session.RunAsync(encoded, CancellationToken.None).AsTask();
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
        return new DeviceBatchResult(this.GetPrimaryKeyString(), output.HiddenSize, output.MeanEmbeddings, busy, output.HeadWidth, output.HeadOutputs, Accelerator);
    }

    // What this device computes on, as the job view and /metrics show it.
    private string Accelerator => options.Value.Backend == DeviceBackendKind.Simulated
        ? "simulated"
        : CudaDevices.Describe(options.Value.ForDevice(DeviceKey.Parse(this.GetPrimaryKeyString()).Index).Inference);

    private async Task<IDeviceBackend> SessionFor(string modelDirectory)
    {
        if (_session is not null && _session.ModelDirectory == Path.GetFullPath(modelDirectory))
        {
            return _session;
        }

        _session?.Dispose();
        _session = null;
        var key = this.GetPrimaryKeyString();
        _session = await Task.Run(() => backends.Open(Path.GetFullPath(modelDirectory), key, options.Value.ForDevice(DeviceKey.Parse(key).Index)));
        return _session;
    }
}
