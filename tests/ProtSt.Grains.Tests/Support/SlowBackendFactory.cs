using ProtSt.Grains.Devices;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>ONNX Runtime devices that also wait <see cref="Delay"/> per batch, so a small job lasts long enough to kill silos under it.</summary>
public sealed class SlowBackendFactory : IDeviceBackendFactory
{
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(150);

    private readonly OnnxDeviceBackendFactory _inner = new();

    public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options) =>
        new Backend(_inner.Open(modelDirectory, deviceKey, options));

    private sealed class Backend(IDeviceBackend inner) : IDeviceBackend
    {
        public string ModelDirectory => inner.ModelDirectory;

        public DeviceComputation Run(EncodedBatch batch)
        {
            Thread.Sleep(Delay);
            return inner.Run(batch);
        }

        public DeviceTextComputation EmbedText(IReadOnlyList<string> prompts) => inner.EmbedText(prompts);

        public void Dispose() => inner.Dispose();
    }
}
