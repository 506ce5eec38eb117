namespace ProtSt.Training;

/// <summary>A classifier head with the class names its config.json gives, index i naming output i.</summary>
public sealed record LabelledHead(ClassifierHead Head, IReadOnlyList<string> Labels);
