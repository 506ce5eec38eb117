namespace ProtSt.Grains;

/// <summary>How well a job's predictions match its labels so far.</summary>
[GenerateSerializer, Immutable]
public sealed record ClassificationFigures(
    [property: Id(0)] IReadOnlyList<string> ClassNames,
    [property: Id(1)] long Labelled,
    [property: Id(2)] double Accuracy,
    [property: Id(3)] double MacroF1,
    [property: Id(4)] double Mcc,
    [property: Id(5)] long[][] ConfusionMatrix);
