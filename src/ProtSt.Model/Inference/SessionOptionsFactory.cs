using Microsoft.ML.OnnxRuntime;

namespace ProtSt.Model.Inference;

/// <summary>ONNX Runtime session options for one device (CPU, or CUDA with a clear error where it is missing), shared by every session kind.</summary>
internal static class SessionOptionsFactory
{
    public static SessionOptions Create(InferenceOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };

        if (options.ExecutionProvider == ExecutionProvider.Cuda)
        {
            var available = OrtEnv.Instance().GetAvailableProviders();
            if (!available.Contains("CUDAExecutionProvider"))
            {
                sessionOptions.Dispose();
                throw new InvalidOperationException(
                    $"The CUDA execution provider was requested but this ONNX Runtime build offers only {string.Join(", ", available)}. " +
                    "Install the GPU runtime (Microsoft.ML.OnnxRuntime.Gpu) on a machine with CUDA, or set Inference:ExecutionProvider to Cpu.");
            }

            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
            }
            catch (OnnxRuntimeException e)
            {
                sessionOptions.Dispose();
                throw new InvalidOperationException($"CUDA device {options.DeviceId} could not be used: {e.Message}", e);
            }
        }

        return sessionOptions;
    }
}
