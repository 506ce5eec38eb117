using ProtSt.Grains.Devices;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>ONNX Runtime devices with a test hook that runs before each batch (to delay it or to fail it).</summary>
public abstract class BeforeRunBackendFactory : IDeviceBackendFactory
{
    private readonly OnnxDeviceBackendFactory _inner = new();

    public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options) =>
        new Backend(_inner.Open(modelDirectory, deviceKey, options), this);

    /// <summary>Called with each batch before the real computation; throwing fails the batch as a device error would.</summary>
    protected abstract void BeforeRun(EncodedBatch batch);

    private sealed class Backend(IDeviceBackend inner, BeforeRunBackendFactory hook) : IDeviceBackend
    {
        public string ModelDirectory => inner.ModelDirectory;

        public DeviceComputation Run(EncodedBatch batch)
        {
            hook.BeforeRun(batch);
            return inner.Run(batch);
        }

        public DeviceTextComputation EmbedText(IReadOnlyList<string> prompts) => inner.EmbedText(prompts);

        public void Dispose() => inner.Dispose();
    }
}
