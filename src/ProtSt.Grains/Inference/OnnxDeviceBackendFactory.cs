using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Inference;

/// <summary>The production backend: the model folder's ONNX Runtime sessions on the device's execution provider.</summary>
public sealed class OnnxDeviceBackendFactory : IDeviceBackendFactory
{
    public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options) =>
        new Backend(ModelSessions.Open(modelDirectory, options.Inference));

    private sealed class Backend(ModelSessions sessions) : IDeviceBackend
    {
        public string ModelDirectory => sessions.Folder.Directory;

        // An ONNX Runtime call blocks for the whole batch; it runs on the thread pool so the silo's scheduler stays responsive.
        public async ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken) =>
            await Task.Run(() => sessions.Run(batch, outputs), cancellationToken);

        public async ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken) =>
            await Task.Run(
                () =>
                {
                    var embedded = sessions.Text.Embed(prompts);
                    return new DeviceTextComputation(embedded.Count, embedded.FeatureWidth, embedded.Features);
                },
                cancellationToken);

        public void Dispose() => sessions.Dispose();
    }
}
