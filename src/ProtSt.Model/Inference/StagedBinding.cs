using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Inference;

/// <summary>
/// Runs encoder batches through ONNX Runtime IO binding with host buffers from the session's allocator — on CUDA its
/// page-locked (pinned) memory arena, which the GPU copies from and into directly and which hands the same blocks back
/// batch after batch. Only the mean embedding is bound as output: a batch that asks for no residue states never copies them off the device.
/// </summary>
internal sealed class StagedBinding : IDisposable
{
    private static readonly string[] InputNames = [GraphContract.InputIds, GraphContract.AttentionMask];

    private readonly InferenceSession _session;
    private readonly OrtMemoryInfo _memory;
    private readonly OrtAllocator _allocator;
    private readonly bool _ownsAllocator;

    private StagedBinding(InferenceSession session, OrtMemoryInfo memory, OrtAllocator allocator, bool ownsAllocator)
    {
        _session = session;
        _memory = memory;
        _allocator = allocator;
        _ownsAllocator = ownsAllocator;
    }

    /// <summary>Pinned host buffers of the CUDA provider on GPU <paramref name="deviceId"/>; null when the runtime offers none (then plain runs are used).</summary>
    public static StagedBinding? ForCuda(InferenceSession session, int deviceId)
    {
        var memory = new OrtMemoryInfo("CudaPinned", OrtAllocatorType.DeviceAllocator, deviceId, OrtMemType.CpuOutput);
        try
        {
            return new StagedBinding(session, memory, new OrtAllocator(session, memory), ownsAllocator: true);
        }
        catch (OnnxRuntimeException)
        {
            memory.Dispose();
            return null;
        }
    }

    /// <summary>The same path on ordinary CPU memory, so that tests exercise it where there is no GPU.</summary>
    public static StagedBinding ForCpu(InferenceSession session) =>
        new(session, OrtMemoryInfo.DefaultInstance, OrtAllocator.DefaultInstance, ownsAllocator: false);

    public void Run(EncodedBatch batch, int hiddenSize, Span<float> meanDestination)
    {
        var tokens = checked((int)batch.PaddedTokens);
        long[] inputShape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Int64, inputShape);
        using var mask = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Int64, inputShape);
        using var mean = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, [batch.BatchSize, hiddenSize]);
        batch.InputIds.AsSpan(0, tokens).CopyTo(ids.GetTensorMutableDataAsSpan<long>());
        batch.AttentionMask.AsSpan(0, tokens).CopyTo(mask.GetTensorMutableDataAsSpan<long>());
        using var binding = _session.CreateIoBinding();
        binding.BindInput(InputNames[0], ids);
        binding.BindInput(InputNames[1], mask);
        binding.BindOutput(GraphContract.MeanResidueEmbedding, mean);
        binding.SynchronizeBoundInputs();
        using var runOptions = new RunOptions();
        _session.RunWithBinding(runOptions, binding);
        binding.SynchronizeBoundOutputs();
        mean.GetTensorDataAsSpan<float>().CopyTo(meanDestination);
    }

    public void Dispose()
    {
        if (_ownsAllocator)
        {
            _allocator.Dispose();
            _memory.Dispose();
        }
    }
}
