using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Online;

namespace ProtSt.Grains.Inference;

/// <summary>
/// Serves <see cref="IEncoderGrain"/> on whichever silo receives the call, through the silo's <see cref="OnlineBatcher"/>:
/// requests arriving together share device batches, which the devices serve before queued job batches, and go to the
/// least-loaded devices of the cluster under their own token budget, as a job's shards' do.
/// </summary>
[StatelessWorker]
internal sealed class EncoderGrain(OnlineBatcher batcher, IGrainFactory grains, IOptions<ScreenOptions> screen) : Grain, IEncoderGrain
{
    public Task<EncodeResult> EncodeAsync(EncodeRequest request) => batcher.EncodeAsync(request);

    public Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request) =>
        TextEmbedder.EmbedAsync(grains, request.ModelDirectory, request.Prompts, screen.Value.TextEmbeddingTimeout, CancellationToken.None);
}
