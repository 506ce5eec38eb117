namespace ProtSt.Pipeline;

/// <summary>The per-class columns of a screen that predicts: <c>score:</c> (zero-shot) or <c>prob:</c> (classifier), one per class in id order.</summary>
public sealed record ScoreColumns(string Prefix, IReadOnlyList<string> ClassNames)
{
    public const string ZeroShotPrefix = "score:";
    public const string ClassifierPrefix = "prob:";
}
