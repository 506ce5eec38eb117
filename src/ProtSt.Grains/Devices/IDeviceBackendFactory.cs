namespace ProtSt.Grains.Devices;

/// <summary>Opens the backend a device grain computes on; the silo's service provider holds one (ONNX Runtime unless replaced).</summary>
public interface IDeviceBackendFactory
{
    /// <summary>Opens a backend for <paramref name="modelDirectory"/> on the device <paramref name="deviceKey"/>; may block (loading a model).</summary>
    IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options);
}
