namespace ProtSt.Grains;

/// <summary>What a job does with a protein longer than the model's window (<c>--long</c>).</summary>
public enum LongProteins
{
    /// <summary>Cut it to the model's residue limit, as fair-esm does (the <c>truncated</c> column says so).</summary>
    Truncate,

    /// <summary>Cover it with overlapping windows and combine their states (the rule is in docs/models.md).</summary>
    Window,
}
