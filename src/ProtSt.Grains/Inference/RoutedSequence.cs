namespace ProtSt.Grains.Inference;

/// <summary>
/// What the <see cref="BatchRouter"/> gives back for one input sequence: its residue count before truncation and
/// whether it was cut, and either its outputs (the mean residue embedding and the model's head output when it has one),
/// the reason it is not a sequence (<see cref="Invalid"/>), or the error the devices failed on even with it alone.
/// </summary>
public sealed record RoutedSequence(
    int Length,
    bool Truncated,
    float[]? Embedding,
    float[]? Head,
    string? Invalid = null,
    string? DeviceError = null);
