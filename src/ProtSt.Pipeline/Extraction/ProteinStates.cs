using ProtSt.Model.Outputs;

namespace ProtSt.Pipeline;

/// <summary>
/// One protein's states, read out of the outputs of the batch (or, for a windowed protein, the batches) that computed
/// it: the mean and the <c>&lt;cls&gt;</c> state of a layer, each residue's state, the contact map. The last layer comes
/// from the pooled and residue slots, any other layer from the per-layer ones (<see cref="BatchOutputs.LayerNumbers"/>).
/// A windowed protein's residue states are combined across its windows (<see cref="ResidueWindows"/>), its mean is the
/// mean of those, and its <c>&lt;cls&gt;</c> state is its first window's.
/// </summary>
public sealed class ProteinStates
{
    private readonly IReadOnlyList<(ResidueWindow Window, BatchOutputs Outputs, int Row)> _parts;
    private readonly int _modelLayers;

    /// <summary>A protein computed in one piece: row <paramref name="row"/> of <paramref name="outputs"/>, <paramref name="residues"/> residues after any truncation.</summary>
    public ProteinStates(BatchOutputs outputs, int row, int residues, int modelLayers)
        : this([(new ResidueWindow(0, residues), outputs, row)], modelLayers)
    {
    }

    /// <summary>A protein computed in windows: each window with the batch outputs and row that computed it, in order, covering residues 0..n.</summary>
    public ProteinStates(IReadOnlyList<(ResidueWindow Window, BatchOutputs Outputs, int Row)> parts, int modelLayers)
    {
        if (parts.Count == 0 || parts[0].Window.Start != 0)
        {
            throw new ArgumentException("The windows must start at the protein's first residue.", nameof(parts));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelLayers);
        _parts = parts;
        _modelLayers = modelLayers;
        Residues = parts.Max(p => p.Window.End);
        Width = parts[0].Outputs.HiddenSize;
    }

    /// <summary>Residues covered (n).</summary>
    public int Residues { get; }

    /// <summary>The model's width (D).</summary>
    public int Width { get; }

    /// <summary>Windows the protein took (1 unless it was computed in windows).</summary>
    public int Windows => _parts.Count;

    /// <summary>The mean over the residues of <paramref name="layer"/>.</summary>
    public float[] Mean(int layer)
    {
        if (_parts.Count == 1)
        {
            // The last layer's mean is the embedding column's, exactly as a screen without --include computes it.
            var (_, outputs, row) = _parts[0];
            if (layer == _modelLayers)
            {
                return outputs.PooledOf(row).ToArray();
            }

            var index = LayerIndex(outputs, layer);
            return outputs.LayerPooled is { } pooled
                ? pooled.AsSpan(((row * outputs.LayerNumbers!.Length) + index) * Width, Width).ToArray()
                : throw Missing("per-layer means");
        }

        var mean = new float[Width];
        var state = new float[Width];
        for (var residue = 0; residue < Residues; residue++)
        {
            CopyResidue(layer, residue, state);
            for (var d = 0; d < Width; d++)
            {
                mean[d] += state[d];
            }
        }

        for (var d = 0; d < Width; d++)
        {
            mean[d] /= Residues;
        }

        return mean;
    }

    /// <summary>The <c>&lt;cls&gt;</c> token's state in <paramref name="layer"/> (a windowed protein's first window's).</summary>
    public float[] Bos(int layer)
    {
        var (_, outputs, row) = _parts[0];
        return outputs.LayerBos is not null ? outputs.LayerBosOf(row, LayerIndex(outputs, layer)).ToArray() : Token(outputs, row, layer, 0).ToArray();
    }

    /// <summary>Copies residue <paramref name="residue"/>'s (0-based) state in <paramref name="layer"/> into <paramref name="state"/>.</summary>
    public void CopyResidue(int layer, int residue, Span<float> state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(residue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(residue, Residues);
        if (_parts.Count == 1)
        {
            var (_, outputs, row) = _parts[0];
            Token(outputs, row, layer, residue + 1).CopyTo(state);
            return;
        }

        state.Clear();
        var total = 0.0f;
        foreach (var (window, outputs, row) in _parts)
        {
            if (residue < window.Start || residue >= window.End)
            {
                continue;
            }

            float weight = window.Weight(residue);
            var part = Token(outputs, row, layer, residue - window.Start + 1);
            for (var d = 0; d < state.Length; d++)
            {
                state[d] += weight * part[d];
            }

            total += weight;
        }

        for (var d = 0; d < state.Length; d++)
        {
            state[d] /= total;
        }
    }

    /// <summary>The n x n contact map, row-major; only for a protein computed in one piece.</summary>
    public float[] Contacts()
    {
        if (_parts.Count != 1)
        {
            throw new InvalidOperationException("Contacts need the whole protein in one pass, not windows.");
        }

        var (_, outputs, row) = _parts[0];
        var contacts = outputs.Contacts ?? throw Missing("contacts");
        var (t, n) = (outputs.SequenceLength, Residues);

        // The batch's map covers every token position [T, T]; residue i is token i + 1.
        var map = new float[n * n];
        for (var i = 0; i < n; i++)
        {
            contacts.AsSpan((((row * t) + i + 1) * t) + 1, n).CopyTo(map.AsSpan(i * n, n));
        }

        return map;
    }

    private ReadOnlySpan<float> Token(BatchOutputs outputs, int row, int layer, int position)
    {
        if (layer == _modelLayers && outputs.Residues is not null)
        {
            return outputs.Hidden(row, position);
        }

        var index = LayerIndex(outputs, layer);
        var states = outputs.LayerResidues ?? throw Missing("per-layer states");
        var layers = outputs.LayerNumbers!.Length;
        return states.AsSpan(((((row * layers) + index) * outputs.SequenceLength) + position) * Width, Width);
    }

    private static int LayerIndex(BatchOutputs outputs, int layer) =>
        outputs.LayerNumbers is { } numbers && Array.IndexOf(numbers, layer) is var index and >= 0
            ? index
            : throw new InvalidOperationException($"The batch's outputs hold no states of layer {layer}.");

    private static InvalidOperationException Missing(string what) => new($"The batch's outputs hold no {what}; the device did not produce what the job asked for.");
}
