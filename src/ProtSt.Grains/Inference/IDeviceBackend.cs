using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Inference;

/// <summary>
/// What a device grain computes on for one model: ONNX Runtime sessions in production, or a stand-in (a simulated
/// device for scale tests, a faulty one for failure tests). Called by one grain, one batch at a time.
/// </summary>
public interface IDeviceBackend : IDisposable
{
    /// <summary>The model folder this backend serves (full path).</summary>
    string ModelDirectory { get; }

    /// <summary>
    /// Computes what <paramref name="outputs"/> asks of one batch (every batch gives the mean embeddings; the head's
    /// outputs when asked and the model has one), each array exactly as long as the batch needs. Called on the grain
    /// scheduler: a backend that blocks (ONNX Runtime) moves its work to the thread pool, one that waits (a simulated device) awaits.
    /// </summary>
    ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken);

    /// <summary>Embeds prompts with the model's text tower; called on the grain scheduler, like <see cref="RunAsync"/>.</summary>
    ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken);
}
