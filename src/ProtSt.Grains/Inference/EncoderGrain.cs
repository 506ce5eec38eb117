using Orleans.Concurrency;

namespace ProtSt.Grains.Inference;

/// <summary>
/// Serves <see cref="IEncoderGrain"/> on whichever silo receives the call, through the silo's <see cref="BatchRouter"/>:
/// the batches go to the least-loaded devices of the cluster under their own token budget, as a job's shards' do.
/// </summary>
[StatelessWorker]
internal sealed class EncoderGrain(BatchRouter router) : Grain, IEncoderGrain
{
    public async Task<EncodeResult> EncodeAsync(EncodeRequest request)
    {
        var routed = await router.RunAsync(
            new RoutedWork(request.Source, request.ModelDirectory, request.Priority, Outputs: request.Outputs),
            request.Sequences,
            CancellationToken.None);
        return new EncodeResult([.. routed.Sequences.Select(s => new EncodedSequenceResult(s.Length, s.Truncated, s.Embedding, s.Head, s.Invalid ?? s.DeviceError))]);
    }
}
