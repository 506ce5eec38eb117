using ProtSt.Model.Inference;

namespace ProtSt.Model.Tests.Inference;

public sealed class CudaLibrariesTests
{
    [Fact]
    public void The_cpu_flavor_says_to_build_the_cuda_flavor()
    {
        var problem = CudaLibraries.Find(cudaFlavor: false, _ => true);
        Assert.Contains("-p:Accelerator=Cuda", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_driver_is_named_before_any_cuda_library()
    {
        var problem = CudaLibraries.Find(cudaFlavor: true, _ => false);
        Assert.Contains("libcuda.so.1", problem, StringComparison.Ordinal);
        Assert.Contains("no NVIDIA driver", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libcudart.so.13")]
    [InlineData("libcublas.so.13")]
    [InlineData("libcublasLt.so.13")]
    [InlineData("libcurand.so.10")]
    public void Each_missing_cuda_library_is_named(string missing)
    {
        var problem = CudaLibraries.Find(cudaFlavor: true, library => library != missing);
        Assert.Contains($"library {missing} was not found", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem!);
    }

    [Fact]
    public void Nothing_is_reported_when_everything_loads()
    {
        Assert.Null(CudaLibraries.Find(cudaFlavor: true, _ => true));
        Assert.Equal(CudaLibraries.Toolkit.Count + 1, LoadedNames().Count);
    }

    [Fact]
    public void Cpu_sessions_need_nothing_and_are_described_as_cpu()
    {
        CudaDevices.EnsureAvailable(new InferenceOptions());
        Assert.Equal("CPU", CudaDevices.Describe(new InferenceOptions()));
        Assert.StartsWith("CUDA:3", CudaDevices.Describe(new InferenceOptions { ExecutionProvider = ExecutionProvider.Cuda, DeviceId = 3 }), StringComparison.Ordinal);
    }

    private static List<string> LoadedNames()
    {
        var asked = new List<string>();
        CudaLibraries.Find(cudaFlavor: true, library =>
        {
            asked.Add(library);
            return true;
        });
        return asked;
    }
}
