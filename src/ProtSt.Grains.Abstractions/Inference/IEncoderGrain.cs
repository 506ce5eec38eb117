namespace ProtSt.Grains;

/// <summary>
/// Encodes a handful of sequences on the cluster's devices for a caller that waits for them (an online request rather
/// than a job): the same path to the devices as a job's shards, answered in the caller's order. A stateless worker, so
/// every silo serves it locally.
/// </summary>
public interface IEncoderGrain : IGrainWithIntegerKey
{
    Task<EncodeResult> EncodeAsync(EncodeRequest request);

    /// <summary>Embeds prompts with a zero-shot model's text tower on a device of the cluster (served before queued batches).</summary>
    Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request);
}
