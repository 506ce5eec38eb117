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

    /// <summary>Check the model files' SHA-256 against the manifest when the session opens.</summary>
    public bool VerifyModelHash { get; init; } = true;
}
