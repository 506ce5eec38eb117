using ProtSt.Model.Outputs;

namespace ProtSt.Grains.Inference;

/// <summary>
/// What the <see cref="BatchRouter"/> gives back for one input sequence: its residue count before truncation and
/// whether it was cut, and either its row <see cref="Row"/> of the outputs of the batch that computed it, the reason it
/// is not a sequence (<see cref="Invalid"/>), or the error the devices failed on even with it alone.
/// </summary>
public sealed record RoutedSequence(
    int Length,
    bool Truncated,
    BatchOutputs? Outputs = null,
    int Row = 0,
    string? Invalid = null,
    string? DeviceError = null)
{
    /// <summary>The sequence's mean residue embedding (a copy), or null when it has no outputs.</summary>
    public float[]? Embedding => Outputs?.PooledOf(Row).ToArray();

    /// <summary>The model head's output for the sequence (a copy), or null when it has no outputs or the batch no head.</summary>
    public float[]? Head => Outputs?.HeadOf(Row);
}
