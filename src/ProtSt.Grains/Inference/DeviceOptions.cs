using ProtSt.Model.Inference;

namespace ProtSt.Grains.Inference;

/// <summary>The devices a silo offers; bound from the <c>Devices</c> configuration section.</summary>
public sealed class DeviceOptions
{
    public const string SectionName = "Devices";

    /// <summary>How many device grains this silo hosts; 0 (the default) means one per GPU the driver reports on CUDA, one on CPU.</summary>
    public int Count { get; set; }

    /// <summary>
    /// Session settings every device starts from: the top-level <c>Inference</c> section, which the CLI copies here.
    /// <see cref="ForDevice"/> gives each device its own GPU or share of the cores.
    /// </summary>
    public InferenceOptions Inference { get; set; } = new();

    /// <summary>On CUDA, the GPU ordinal of each device (device i runs on <c>GpuIds[i]</c>); empty puts device i on GPU i.</summary>
    public int[] GpuIds { get; set; } = [];

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

    /// <summary>
    /// The order a device serves the batches waiting on it: <c>Fair</c> (the default: jobs take turns by padded tokens,
    /// weighted by their priority) or <c>Fifo</c> (arrival order, which lets a large job starve a later small one).
    /// </summary>
    public DeviceScheduling Scheduling { get; set; } = DeviceScheduling.Fair;

    /// <summary>
    /// How many models' sessions a device keeps open (least recently used closed first): 1 (the default) holds one
    /// model's memory per device; 2 lets two jobs of different models take turns on a device without reopening their
    /// sessions at every switch, at the memory of both.
    /// </summary>
    public int ModelsPerDevice { get; set; } = 1;

    /// <summary>How many devices the silo hosts: <see cref="Count"/>, or when it is 0 one per GPU on CUDA (at least one, so a missing GPU is reported by the device) and one on CPU.</summary>
    public int ResolvedCount => Count > 0 ? Count
        : Inference.ExecutionProvider == ExecutionProvider.Cuda ? Math.Max(1, GpuIds.Length > 0 ? GpuIds.Length : CudaDevices.All.Count)
        : 1;

    /// <summary>Throws a one-line <see cref="AcceleratorUnavailableException"/> when a device's accelerator cannot be used here; simulated devices need none.</summary>
    public void EnsureAvailable()
    {
        if (Backend != DeviceBackendKind.Onnx)
        {
            return;
        }

        for (var index = 0; index < ResolvedCount; index++)
        {
            CudaDevices.EnsureAvailable(ForDevice(index).Inference);
        }
    }

    /// <summary>
    /// The options device <paramref name="index"/> opens its sessions with. On CUDA it gets its own GPU
    /// (<see cref="GpuIds"/>, else GPU <paramref name="index"/>); on CPU, with several devices and no thread count set,
    /// each gets an equal share of the cores instead of every device asking for all of them.
    /// </summary>
    public DeviceOptions ForDevice(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var inference = Inference.ExecutionProvider switch
        {
            ExecutionProvider.Cuda when GpuIds.Length > 0 && index >= GpuIds.Length =>
                throw new ArgumentException($"Device {index} has no GPU: Devices:GpuIds lists {GpuIds.Length} GPU(s) for {ResolvedCount} device(s)."),
            ExecutionProvider.Cuda => Inference with { DeviceId = GpuIds.Length > 0 ? GpuIds[index] : index },
            _ when Inference.IntraOpThreads == 0 && ResolvedCount > 1 => Inference with { IntraOpThreads = Math.Max(1, Environment.ProcessorCount / ResolvedCount) },
            _ => Inference,
        };
        return new DeviceOptions
        {
            Count = ResolvedCount,
            Inference = inference,
            GpuIds = GpuIds,
            PreloadModel = PreloadModel,
            Backend = Backend,
            Simulated = Simulated,
            DrainTimeout = DrainTimeout,
            Scheduling = Scheduling,
            ModelsPerDevice = ModelsPerDevice,
        };
    }
}
