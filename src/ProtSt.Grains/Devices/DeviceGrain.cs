using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using ProtSt.Grains.Placement;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Devices;

/// <summary>
/// One accelerator on one silo. It owns the inference session of the model it was last asked to run and, being a
/// non-reentrant grain, runs one batch at a time; the session itself may be shared by nothing else.
/// </summary>
[DevicePlacement]
[Immovable]
[KeepAlive]
internal sealed class DeviceGrain(IOptions<DeviceOptions> options) : Grain, IDeviceGrain, IDisposable
{
    private ModelSessions? _session;
    private long _batches;
    private long _sequences;
    private long _realTokens;
    private long _paddedTokens;
    private long _failures;
    private TimeSpan _busy;

    public async Task<DeviceBatchResult> RunAsync(DeviceBatch batch)
    {
        var session = await SessionFor(batch.ModelDirectory);
        var encoded = EncodedBatch.FromPadded(batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength);
        var stopwatch = Stopwatch.StartNew();
        (EncoderOutput Encoder, float[]? Head) output;
        try
        {
            // The ONNX Runtime call blocks for the whole batch; run it off the grain scheduler so the silo stays responsive.
            output = await Task.Run(() => session.Run(encoded));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failures++;
            throw new InvalidOperationException($"Device {this.GetPrimaryKeyString()} failed on a batch of {batch.BatchSize} x {batch.SequenceLength}: {e.Message}");
        }

        var busy = stopwatch.Elapsed;
        _batches++;
        _sequences += batch.BatchSize;
        _realTokens += encoded.RealTokens;
        _paddedTokens += encoded.PaddedTokens;
        _busy += busy;
        return new DeviceBatchResult(
            this.GetPrimaryKeyString(), output.Encoder.HiddenSize, output.Encoder.MeanResidueEmbeddings, busy, session.Head?.OutputWidth ?? 0, output.Head);
    }

    public async Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request)
    {
        if (request.Prompts.Count == 0)
        {
            throw new ArgumentException("At least one prompt is needed.", nameof(request));
        }

        var session = await SessionFor(request.ModelDirectory);
        var stopwatch = Stopwatch.StartNew();
        var embedded = await Task.Run(() => session.Text.Embed(request.Prompts));
        _busy += stopwatch.Elapsed;
        return new TextEmbeddingResult(embedded.Count, embedded.FeatureWidth, embedded.Features);
    }

    public Task<DeviceStats> GetStatsAsync() =>
        Task.FromResult(new DeviceStats(this.GetPrimaryKeyString(), _batches, _sequences, _realTokens, _paddedTokens, _busy, _failures));

    public void Dispose() => _session?.Dispose();

    private async Task<ModelSessions> SessionFor(string modelDirectory)
    {
        if (_session is not null && _session.Folder.Directory == Path.GetFullPath(modelDirectory))
        {
            return _session;
        }

        _session?.Dispose();
        _session = null;
        _session = await Task.Run(() => ModelSessions.Open(modelDirectory, options.Value.Inference));
        return _session;
    }
}
