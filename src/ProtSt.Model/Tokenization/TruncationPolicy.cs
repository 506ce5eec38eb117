namespace ProtSt.Model.Tokenization;

/// <summary>What to do with a sequence longer than the model's residue limit.</summary>
public enum TruncationPolicy
{
    /// <summary>Keep the first residues up to the limit (the published ESM and ProtST scripts' behaviour); the result is flagged truncated.</summary>
    KeepStart,

    /// <summary>Refuse the sequence with an error.</summary>
    Fail,
}
