namespace ProtSt.Model.Inference;

/// <summary>Which ONNX Runtime this build links, chosen at build and publish time by <c>-p:Accelerator=Cpu|Cuda</c>.</summary>
public static class RuntimeFlavor
{
#if PROTST_CUDA
    /// <summary>The accelerator the linked runtime adds to the CPU: the CUDA flavor runs CPU and CUDA sessions.</summary>
    public const ExecutionProvider Accelerator = ExecutionProvider.Cuda;
#else
    /// <summary>The accelerator the linked runtime adds to the CPU: the CPU flavor runs CPU sessions only.</summary>
    public const ExecutionProvider Accelerator = ExecutionProvider.Cpu;
#endif

    /// <summary>Whether this build can open CUDA sessions at all (it still needs a driver, a GPU and the CUDA 13 libraries).</summary>
    public static bool HasCuda => Accelerator == ExecutionProvider.Cuda;
}
