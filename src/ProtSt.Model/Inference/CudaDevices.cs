using System.Runtime.InteropServices;
using System.Text;

namespace ProtSt.Model.Inference;

/// <summary>
/// The GPUs the NVIDIA driver reports, by CUDA ordinal, with their names; empty without a driver or a GPU. Read through
/// the driver API (libcuda.so.1) so that no CUDA toolkit library and no nvidia-smi is needed to count them.
/// </summary>
public static class CudaDevices
{
    private const int NameLength = 256;

    private static readonly Lazy<string[]> Names = new(Enumerate);

    /// <summary>The name of each GPU, indexed by CUDA ordinal.</summary>
    public static IReadOnlyList<string> All => Names.Value;

    /// <summary>How a session's accelerator is shown in job views and metrics: <c>CPU</c>, or <c>CUDA:i</c> and the GPU's name where the driver reports it.</summary>
    public static string Describe(InferenceOptions options) =>
        options.ExecutionProvider == ExecutionProvider.Cpu ? "CPU"
        : options.DeviceId < All.Count ? $"CUDA:{options.DeviceId} {All[options.DeviceId]}"
        : $"CUDA:{options.DeviceId}";

    /// <summary>Throws a one-line <see cref="AcceleratorUnavailableException"/> unless <paramref name="options"/> can open a session here.</summary>
    public static void EnsureAvailable(InferenceOptions options)
    {
        CudaLibraries.EnsureAvailable(options.ExecutionProvider);
        if (options.ExecutionProvider == ExecutionProvider.Cuda && options.DeviceId >= All.Count)
        {
            throw new AcceleratorUnavailableException(All.Count == 0
                ? "CUDA was asked for, but the NVIDIA driver reports no GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES); use --accelerator cpu."
                : $"CUDA GPU {options.DeviceId} was asked for, but the driver reports {All.Count} GPU(s) (0–{All.Count - 1}); check Devices:Count, Devices:GpuIds and Inference:DeviceId.");
        }
    }

    private static unsafe string[] Enumerate()
    {
        if (!NativeLibrary.TryLoad(CudaLibraries.Driver, out var driver)
            || !NativeLibrary.TryGetExport(driver, "cuInit", out var init)
            || !NativeLibrary.TryGetExport(driver, "cuDeviceGetCount", out var getCount)
            || !NativeLibrary.TryGetExport(driver, "cuDeviceGet", out var get)
            || !NativeLibrary.TryGetExport(driver, "cuDeviceGetName", out var getName))
        {
            return [];
        }

        // The driver API returns 0 (CUDA_SUCCESS) or an error code; any error means "no usable GPU" here.
        int count;
        if (((delegate* unmanaged<uint, int>)init)(0) != 0 || ((delegate* unmanaged<int*, int>)getCount)(&count) != 0)
        {
            return [];
        }

        var names = new string[count];
        var buffer = stackalloc byte[NameLength];
        for (var ordinal = 0; ordinal < count; ordinal++)
        {
            int device;
            var named = ((delegate* unmanaged<int*, int, int>)get)(&device, ordinal) == 0
                && ((delegate* unmanaged<byte*, int, int, int>)getName)(buffer, NameLength, device) == 0;
            names[ordinal] = named ? Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer)) : "GPU";
        }

        return names;
    }
}
