using Microsoft.ML.OnnxRuntime;
using ProtSt.Model.Folders;

namespace ProtSt.Model.Inference;

/// <summary>ONNX Runtime session options for one device (CPU, or CUDA with a clear error where it is missing), shared by every session kind.</summary>
internal static class SessionOptionsFactory
{
    /// <summary>Loads one graph of a model folder, turning ONNX Runtime's load errors into a model-folder error that names the file.</summary>
    public static InferenceSession Load(string path, InferenceOptions options)
    {
        using var sessionOptions = Create(options);
        try
        {
            return new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFolderException($"ONNX Runtime could not load {path}: {e.Message}", e);
        }
    }

    /// <summary>Session options for <paramref name="options"/>; CUDA is checked first (flavor, driver, libraries, GPU) so that what is missing is named.</summary>
    public static SessionOptions Create(InferenceOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableMemoryPattern = options.MemoryPattern,
        };

        if (options.ExecutionProvider == ExecutionProvider.Cuda)
        {
            try
            {
                CudaDevices.EnsureAvailable(options);
                sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
            }
            catch (OnnxRuntimeException e)
            {
                sessionOptions.Dispose();
                throw new AcceleratorUnavailableException($"CUDA GPU {options.DeviceId} could not be used: {e.Message}", e);
            }
            catch
            {
                sessionOptions.Dispose();
                throw;
            }
        }

        return sessionOptions;
    }
}
