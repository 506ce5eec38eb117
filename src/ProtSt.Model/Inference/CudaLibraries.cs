using System.Runtime.InteropServices;

namespace ProtSt.Model.Inference;

/// <summary>
/// Checks, before ONNX Runtime tries, that CUDA can work here: the CUDA flavor of the build, the NVIDIA driver and the
/// CUDA 13 libraries its CUDA provider links, so that a missing piece is named instead of surfacing as a dlopen error
/// at a device's first batch.
/// </summary>
public static class CudaLibraries
{
    /// <summary>The NVIDIA driver's library; it comes with the driver, never with CUDA.</summary>
    public const string Driver = "libcuda.so.1";

    /// <summary>The CUDA 13 libraries libonnxruntime_providers_cuda.so needs (its NEEDED entries, besides the driver).</summary>
    public static IReadOnlyList<string> Toolkit { get; } = ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10"];

    private static readonly Lazy<string?> Problem = new(() => Find(RuntimeFlavor.HasCuda, TryLoad));

    /// <summary>Throws a one-line <see cref="AcceleratorUnavailableException"/> when <paramref name="provider"/> cannot run here.</summary>
    public static void EnsureAvailable(ExecutionProvider provider)
    {
        if (provider == ExecutionProvider.Cuda && Problem.Value is { } problem)
        {
            throw new AcceleratorUnavailableException(problem);
        }
    }

    /// <summary>What stops CUDA from working, or null; <paramref name="tryLoad"/> loads a library by name (tests pass a fake).</summary>
    public static string? Find(bool cudaFlavor, Func<string, bool> tryLoad)
    {
        if (!cudaFlavor)
        {
            return "CUDA was asked for, but this is the CPU build of protst: build or publish the CUDA flavor with -p:Accelerator=Cuda, or use --accelerator cpu.";
        }

        if (!tryLoad(Driver))
        {
            return $"CUDA was asked for, but the NVIDIA driver library {Driver} was not found: this machine has no NVIDIA driver (or no GPU); use --accelerator cpu.";
        }

        foreach (var library in Toolkit)
        {
            if (!tryLoad(library))
            {
                return $"CUDA was asked for, but the CUDA 13 library {library} was not found on the library path: install the CUDA 13 runtime, cuBLAS and cuRAND, " +
                    "or add a Python environment's nvidia/*/lib folders to LD_LIBRARY_PATH (bench/gpu/run.sh does).";
            }
        }

        return null;
    }

    private static bool TryLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
