namespace ProtSt.Grains.Jobs;

/// <summary>
/// A job's task resolved against its model folder: "embed", "zero-shot" or "classify", the score columns' prefix and
/// class names when it predicts, the embedded label prompts for zero-shot, and whether rows carry ProtST's feature.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ResolvedTask(
    [property: Id(0)] string Name,
    [property: Id(1)] string? ScorePrefix,
    [property: Id(2)] IReadOnlyList<string>? ClassNames,
    [property: Id(3)] LabelScoring? Scoring,
    [property: Id(4)] bool WithFeature);
