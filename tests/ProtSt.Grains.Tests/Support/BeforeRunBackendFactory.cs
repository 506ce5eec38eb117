using ProtSt.Grains.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>ONNX Runtime devices with a test hook that runs before each batch (to delay it or to fail it).</summary>
public abstract class BeforeRunBackendFactory : IDeviceBackendFactory
{
    private readonly OnnxDeviceBackendFactory _inner = new();

    public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options) =>
        new Backend(_inner.Open(modelDirectory, deviceKey, options), this);

    /// <summary>Called with each batch before the real computation; throwing fails the batch as a device error would.</summary>
    protected abstract ValueTask BeforeRunAsync(EncodedBatch batch, CancellationToken cancellationToken);

    private sealed class Backend(IDeviceBackend inner, BeforeRunBackendFactory hook) : IDeviceBackend
    {
        public string ModelDirectory => inner.ModelDirectory;

        public async ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken)
        {
            await hook.BeforeRunAsync(batch, cancellationToken);
            return await inner.RunAsync(batch, outputs, cancellationToken);
        }

        public ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken) =>
            inner.EmbedTextAsync(prompts, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
