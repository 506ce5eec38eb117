using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Devices;

/// <summary>
/// What a device grain computes on for one model: ONNX Runtime sessions in production, or a stand-in (a simulated
/// device for scale tests, a faulty one for failure tests). Called by one grain, one batch at a time.
/// </summary>
public interface IDeviceBackend : IDisposable
{
    /// <summary>The model folder this backend serves (full path).</summary>
    string ModelDirectory { get; }

    /// <summary>Computes one batch: mean embeddings and, for models with a head, its outputs.</summary>
    DeviceComputation Run(EncodedBatch batch);

    /// <summary>Embeds prompts with the model's text tower.</summary>
    DeviceTextComputation EmbedText(IReadOnlyList<string> prompts);
}
