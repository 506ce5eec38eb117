using ProtSt.Model.Inference;

namespace ProtSt.Grains.Devices;

/// <summary>The devices a silo offers; bound from the <c>Devices</c> configuration section.</summary>
public sealed class DeviceOptions
{
    public const string SectionName = "Devices";

    /// <summary>How many device grains this silo hosts. On CPU the default is one device using every core.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Session settings for each device; with several CPU devices, give each a share of the cores.</summary>
    public InferenceOptions Inference { get; set; } = new();

    /// <summary>A model folder every device opens when the silo starts, so /readyz reports ready only once it is loaded; null opens models lazily, on a device's first batch.</summary>
    public string? PreloadModel { get; set; }

    /// <summary>What the devices compute on: ONNX Runtime (the default) or a simulated accelerator for scale tests.</summary>
    public DeviceBackendKind Backend { get; set; } = DeviceBackendKind.Onnx;

    /// <summary>The simulated devices' speed, output width and failure rate; read only when <see cref="Backend"/> is <c>Simulated</c>.</summary>
    public SimulatedDeviceOptions Simulated { get; set; } = new();

    /// <summary>
    /// How long a leaving silo (SIGTERM, host stop) waits for the batches its devices are running; the silo takes its
    /// devices out of the directory and refuses new batches first. Keep it under <c>Silo:ShutdownTimeout</c>.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
