using ProtSt.Pipeline;

namespace ProtSt.Testing;

/// <summary>
/// The task a <see cref="JobDriver"/> job asks for, as <c>protst screen --task</c> gives it: "embed", "zero-shot",
/// "classify" or null for the model's own, with the zero-shot label file and prompt template.
/// </summary>
public sealed record DrivenTask(string? Name, string? LabelsPath = null, string PromptTemplate = LabelSet.DefaultTemplate);
