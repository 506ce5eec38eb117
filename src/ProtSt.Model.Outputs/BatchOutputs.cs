namespace ProtSt.Model.Outputs;

/// <summary>
/// What one batch produced, as row-major float arrays plus their dimensions (plain data, so any serializer can carry
/// it). Arrays may be caller-owned buffers longer than the batch needs; only the leading values the dimensions cover
/// belong to this batch. Record equality compares the arrays by reference.
/// </summary>
/// <param name="BatchSize">Sequences in the batch (B).</param>
/// <param name="SequenceLength">Token positions per padded sequence (T), <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> included.</param>
/// <param name="HiddenSize">The encoder's width (D).</param>
/// <param name="Pooled">The last layer's mean residue embedding [B, D].</param>
public sealed record BatchOutputs(int BatchSize, int SequenceLength, int HiddenSize, float[] Pooled)
{
    /// <summary>The head's output [B, <see cref="HeadWidth"/>], when it was requested and the model has a head.</summary>
    public float[]? Head { get; init; }

    /// <summary>Values per sequence in <see cref="Head"/>: the projection width or the number of classes; 0 without a head.</summary>
    public int HeadWidth { get; init; }

    /// <summary>The last layer's states at every token position [B, T, D], when <see cref="OutputKind.Residues"/> was requested.</summary>
    public float[]? Residues { get; init; }

    /// <summary>The layer numbers <see cref="LayerPooled"/> and <see cref="LayerResidues"/> hold, in their order (fair-esm numbering).</summary>
    public int[]? LayerNumbers { get; init; }

    /// <summary>Mean residue embedding of each layer in <see cref="LayerNumbers"/> [B, layers, D]; no graph produces it yet.</summary>
    public float[]? LayerPooled { get; init; }

    /// <summary>States of each layer in <see cref="LayerNumbers"/> [B, layers, T, D]; no graph produces them yet.</summary>
    public float[]? LayerResidues { get; init; }

    /// <summary>Contact probabilities [B, T, T]; no graph produces them yet.</summary>
    public float[]? Contacts { get; init; }

    /// <summary>Row <paramref name="row"/>'s mean residue embedding.</summary>
    public ReadOnlySpan<float> PooledOf(int row) => Row(Pooled, row, BatchSize, HiddenSize);

    /// <summary>Row <paramref name="row"/>'s head output, copied, or null when the batch has none.</summary>
    public float[]? HeadOf(int row) => Head is null ? null : Row(Head, row, BatchSize, HeadWidth).ToArray();

    /// <summary>Row <paramref name="row"/>'s last-layer state at token <paramref name="position"/>.</summary>
    public ReadOnlySpan<float> Hidden(int row, int position)
    {
        var residues = Residues ?? throw new InvalidOperationException("Residue states were not requested for this batch.");
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, SequenceLength);
        return Row(residues, row, BatchSize, SequenceLength * HiddenSize).Slice(position * HiddenSize, HiddenSize);
    }

    private static ReadOnlySpan<float> Row(float[] values, int row, int rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, rows);
        return values.AsSpan(row * width, width);
    }
}
