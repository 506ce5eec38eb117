namespace ProtSt.Grains.Inference;

/// <summary>Opens the backend a device grain computes on; the silo's service provider holds one (ONNX Runtime unless replaced).</summary>
public interface IDeviceBackendFactory
{
    /// <summary>
    /// Opens a backend for <paramref name="modelDirectory"/> on the device <paramref name="deviceKey"/>; may block (loading a model).
    /// <paramref name="options"/> are this device's own (<see cref="DeviceOptions.ForDevice"/>): its GPU, or its share of the cores.
    /// </summary>
    IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options);
}
