namespace ProtSt.Pipeline;

/// <summary>One window of a long protein: its first residue (0-based) and its residue count.</summary>
public readonly record struct ResidueWindow(int Start, int Length)
{
    /// <summary>One past its last residue.</summary>
    public int End => Start + Length;

    /// <summary>
    /// The weight of this window's state at residue <paramref name="residue"/> (0-based, inside the window): its distance
    /// to the nearer edge of the window, counted from 1, so a residue near a window's centre counts most, where the window
    /// gives it the most context on both sides.
    /// </summary>
    public int Weight(int residue) => Math.Min(residue - Start + 1, End - residue);
}
