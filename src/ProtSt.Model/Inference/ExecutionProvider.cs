namespace ProtSt.Model.Inference;

/// <summary>The accelerator an inference session runs on.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
}
