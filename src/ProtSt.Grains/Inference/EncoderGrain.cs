using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Online;

namespace ProtSt.Grains.Inference;

/// <summary>
/// Serves <see cref="IEncoderGrain"/> on whichever silo receives the call, through the silo's <see cref="OnlineBatcher"/>:
/// requests arriving together share device batches, which the devices serve before queued job batches, and go to the
/// least-loaded devices of the cluster under their own token budget, as a job's shards' do. Reentrant: it holds no
/// state, and a stateless worker that took one call at a time would hold the silo's online requests to one per core
/// while each waits for its device batch, so they could neither share batches nor overtake a screen's queue.
/// </summary>
[StatelessWorker]
[Reentrant]
internal sealed class EncoderGrain(OnlineBatcher batcher, IGrainFactory grains, IOptions<ScreenOptions> screen) : Grain, IEncoderGrain
{
    public Task<EncodeResult> EncodeAsync(EncodeRequest request) => batcher.EncodeAsync(request);

    public Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request) =>
        TextEmbedder.EmbedAsync(grains, request.ModelDirectory, request.Prompts, screen.Value.TextEmbeddingTimeout, CancellationToken.None);
}
