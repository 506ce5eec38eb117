using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>The task a user asked for (null: the model's own), and how zero-shot prompts are made.</summary>
internal sealed record JobTaskRequest(ScreenTask? Task, string? LabelsPath, LabelField Field, string PromptTemplate);
