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

    /// <summary>
    /// The layer numbers <see cref="LayerPooled"/>, <see cref="LayerResidues"/> and <see cref="LayerBos"/> hold, in their
    /// order (fair-esm numbering: 0 the embedding output, L the last layer after the final norm).
    /// </summary>
    public int[]? LayerNumbers { get; init; }

    /// <summary>Mean residue embedding of each layer in <see cref="LayerNumbers"/> [B, layers, D] (<c>&lt;cls&gt;</c>, <c>&lt;eos&gt;</c> and padding excluded).</summary>
    public float[]? LayerPooled { get; init; }

    /// <summary>States of each layer in <see cref="LayerNumbers"/> at every token position [B, layers, T, D].</summary>
    public float[]? LayerResidues { get; init; }

    /// <summary>The <c>&lt;cls&gt;</c> state (token position 0) of each layer in <see cref="LayerNumbers"/> [B, layers, D].</summary>
    public float[]? LayerBos { get; init; }

    /// <summary>
    /// ESM's contact probabilities [B, T, T] indexed by token position like <see cref="Residues"/>: residue i of a row
    /// (1-based) is position i, so a protein of n residues fills rows and columns 1..n; <c>&lt;cls&gt;</c>,
    /// <c>&lt;eos&gt;</c> and padding rows and columns are 0. <see cref="ContactsOf"/> copies out the n x n map.
    /// </summary>
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

    /// <summary>Row <paramref name="row"/>'s layer <paramref name="layerIndex"/> (an index into <see cref="LayerNumbers"/>) mean.</summary>
    public ReadOnlySpan<float> LayerPooledOf(int row, int layerIndex) =>
        Layer(LayerPooled ?? throw new InvalidOperationException("Layer means were not requested for this batch."), row, layerIndex, HiddenSize);

    /// <summary>Row <paramref name="row"/>'s layer <paramref name="layerIndex"/> (an index into <see cref="LayerNumbers"/>) <c>&lt;cls&gt;</c> state.</summary>
    public ReadOnlySpan<float> LayerBosOf(int row, int layerIndex) =>
        Layer(LayerBos ?? throw new InvalidOperationException("<cls> states were not requested for this batch."), row, layerIndex, HiddenSize);

    /// <summary>Row <paramref name="row"/>'s layer <paramref name="layerIndex"/> states at every token position [T, D].</summary>
    public ReadOnlySpan<float> LayerResiduesOf(int row, int layerIndex) =>
        Layer(LayerResidues ?? throw new InvalidOperationException("Per-layer residue states were not requested for this batch."), row, layerIndex, SequenceLength * HiddenSize);

    /// <summary>Row <paramref name="row"/>'s contact map over its <paramref name="residues"/> residues, copied row-major [n, n].</summary>
    public float[] ContactsOf(int row, int residues)
    {
        var contacts = Contacts ?? throw new InvalidOperationException("Contacts were not requested for this batch.");
        ArgumentOutOfRangeException.ThrowIfNegative(residues);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(residues, SequenceLength - 2);
        var map = Row(contacts, row, BatchSize, SequenceLength * SequenceLength);
        var result = new float[residues * residues];
        for (var i = 0; i < residues; i++)
        {
            map.Slice(((i + 1) * SequenceLength) + 1, residues).CopyTo(result.AsSpan(i * residues, residues));
        }

        return result;
    }

    /// <summary>
    /// The outputs of batches that are row slices of one batch (same length and outputs, in row order) as that batch's
    /// outputs: each array's rows one after the other.
    /// </summary>
    public static BatchOutputs Concat(IReadOnlyList<BatchOutputs> parts)
    {
        ArgumentOutOfRangeException.ThrowIfZero(parts.Count);
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var first = parts[0];
        var rows = parts.Sum(p => p.BatchSize);
        var (t, d) = (first.SequenceLength, first.HiddenSize);
        var layers = first.LayerNumbers?.Length ?? 0;
        foreach (var part in parts)
        {
            if (part.SequenceLength != t || part.HiddenSize != d || part.HeadWidth != first.HeadWidth || (part.LayerNumbers?.Length ?? 0) != layers)
            {
                throw new ArgumentException($"Slices of one batch have its length and widths; got {part.BatchSize} x {part.SequenceLength} x {part.HiddenSize} beside {first.BatchSize} x {t} x {d}.", nameof(parts));
            }
        }

        return new BatchOutputs(rows, t, d, Join(parts, p => p.Pooled, d)!)
        {
            Head = Join(parts, p => p.Head, first.HeadWidth),
            HeadWidth = first.HeadWidth,
            Residues = Join(parts, p => p.Residues, t * d),
            LayerNumbers = first.LayerNumbers,
            LayerPooled = Join(parts, p => p.LayerPooled, layers * d),
            LayerResidues = Join(parts, p => p.LayerResidues, layers * t * d),
            LayerBos = Join(parts, p => p.LayerBos, layers * d),
            Contacts = Join(parts, p => p.Contacts, t * t),
        };
    }

    private static float[]? Join(IReadOnlyList<BatchOutputs> parts, Func<BatchOutputs, float[]?> values, int width)
    {
        if (values(parts[0]) is null)
        {
            return null;
        }

        var joined = new float[parts.Sum(p => p.BatchSize) * width];
        var offset = 0;
        foreach (var part in parts)
        {
            var length = part.BatchSize * width;
            var source = values(part) ?? throw new ArgumentException("Slices of one batch carry the same outputs.", nameof(parts));
            source.AsSpan(0, length).CopyTo(joined.AsSpan(offset, length));
            offset += length;
        }

        return joined;
    }

    /// <summary>
    /// Row <paramref name="row"/> alone, copied into a batch of one: what a caller keeps of a batch it waits beside (a
    /// long protein's window waiting for its other windows) without holding the whole batch's arrays.
    /// </summary>
    public BatchOutputs RowOf(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, BatchSize);
        return new BatchOutputs(1, SequenceLength, HiddenSize, PooledOf(row).ToArray())
        {
            Head = Head is null ? null : HeadOf(row),
            HeadWidth = HeadWidth,
            Residues = Residues is null ? null : Row(Residues, row, BatchSize, SequenceLength * HiddenSize).ToArray(),
            LayerNumbers = LayerNumbers,
            LayerPooled = LayerPooled is null ? null : Row(LayerPooled, row, BatchSize, LayerNumbers!.Length * HiddenSize).ToArray(),
            LayerResidues = LayerResidues is null ? null : Row(LayerResidues, row, BatchSize, LayerNumbers!.Length * SequenceLength * HiddenSize).ToArray(),
            LayerBos = LayerBos is null ? null : Row(LayerBos, row, BatchSize, LayerNumbers!.Length * HiddenSize).ToArray(),
            Contacts = Contacts is null ? null : Row(Contacts, row, BatchSize, SequenceLength * SequenceLength).ToArray(),
        };
    }

    private ReadOnlySpan<float> Layer(float[] values, int row, int layerIndex, int width)
    {
        var layers = LayerNumbers?.Length ?? throw new InvalidOperationException("No layers were requested for this batch.");
        ArgumentOutOfRangeException.ThrowIfNegative(layerIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layerIndex, layers);
        return Row(values, row, BatchSize, layers * width).Slice(layerIndex * width, width);
    }

    private static ReadOnlySpan<float> Row(float[] values, int row, int rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, rows);
        return values.AsSpan(row * width, width);
    }
}
