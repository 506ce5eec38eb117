namespace ProtSt.Model.Checkpoints;

/// <summary>A state dict: tensors by name, plus the files they came from (for the manifest's source hashes).</summary>
public sealed class Checkpoint
{
    public Checkpoint(IReadOnlyDictionary<string, CheckpointTensor> tensors, IReadOnlyList<string> sourceFiles)
    {
        Tensors = tensors;
        SourceFiles = sourceFiles;
    }

    public IReadOnlyDictionary<string, CheckpointTensor> Tensors { get; }

    /// <summary>Full paths of the weight files read.</summary>
    public IReadOnlyList<string> SourceFiles { get; }

    public CheckpointTensor Get(string name) =>
        Tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new CheckpointFormatException($"The checkpoint has no tensor '{name}'.");
}
