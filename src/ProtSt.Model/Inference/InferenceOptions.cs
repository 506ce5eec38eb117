namespace ProtSt.Model.Inference;

/// <summary>How an inference session is set up; bound from the <c>Inference</c> section of configs/*.json.</summary>
public sealed record InferenceOptions
{
    public const string SectionName = "Inference";

    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>The GPU ordinal for CUDA.</summary>
    public int DeviceId { get; init; }

    /// <summary>Threads one batch may use; 0 lets ONNX Runtime use every physical core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Padded tokens per batch (batch size × longest sequence) on CPU: 4,096 was the fastest measured (docs/benchmarks.md).</summary>
    public int CpuTokensPerBatch { get; init; } = 4096;

    /// <summary>Padded tokens per batch on CUDA: a GPU needs large batches to be busy, and an H200 has memory for them.</summary>
    public int CudaTokensPerBatch { get; init; } = 32768;

    /// <summary>The token budget of this accelerator; <c>Screen:MaxTokensPerBatch</c> or <c>Embedding:MaxTokensPerBatch</c>, when set, override it.</summary>
    public int TokensPerBatch => ExecutionProvider == ExecutionProvider.Cuda ? CudaTokensPerBatch : CpuTokensPerBatch;

    /// <summary>
    /// ONNX Runtime's memory patterns: a planned block of activations for each batch shape, kept for every shape seen.
    /// Off by default: batches come in many shapes, and with it on a screen's peak memory was 1.3x higher and rose
    /// with the shapes a long job meets, for no measured speed (bench extraction-memory, docs/benchmarks.md).
    /// </summary>
    public bool MemoryPattern { get; init; }

    /// <summary>Check the model files' SHA-256 against the manifest when the session opens.</summary>
    public bool VerifyModelHash { get; init; } = true;
}
