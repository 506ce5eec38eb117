namespace ProtSt.Pipeline;

/// <summary>
/// How <c>--long window</c> covers a protein: windows of at most <c>window</c> residues, each starting half a window
/// after the previous one, the last ending at the protein's end; a protein that fits one window is one window (its
/// states exact). A residue's combined state is the mean of the windows' states at it, weighted by
/// <see cref="ResidueWindow.Weight"/>.
/// </summary>
public static class ResidueWindows
{
    /// <summary>The windows covering <paramref name="residues"/> residues, in order.</summary>
    public static IReadOnlyList<ResidueWindow> Plan(int residues, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(residues);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        if (residues <= window)
        {
            return [new ResidueWindow(0, residues)];
        }

        var stride = window / 2;
        var windows = new List<ResidueWindow>();
        for (var start = 0; start + window < residues; start += stride)
        {
            windows.Add(new ResidueWindow(start, window));
        }

        windows.Add(new ResidueWindow(residues - window, window));
        return windows;
    }
}
