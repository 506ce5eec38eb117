using System.CommandLine;
using ProtSt.Grains;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>The options that choose a job's task and labels, shared by <c>screen</c> and <c>eval</c>.</summary>
internal sealed class TaskOptions
{
    public TaskOptions(bool embedAllowed)
    {
        Task = new Option<string?>("--task") { Description = embedAllowed ? "embed, zero-shot or classify (default: what the model folder is for)." : "zero-shot or classify (default: what the model folder is for)." };
        Task.AcceptOnlyFromAmong([.. JobChoices.Tasks.Where(t => embedAllowed || t != JobChoices.Embed)]);
    }

    public Option<string?> Task { get; }

    public Option<string?> Labels { get; } = new("--labels")
    {
        Description = "Zero-shot label file (tab-separated id, name, description; default: configs/labels/subcellular-localization.tsv, ProtST's 10 locations).",
    };

    public Option<string> LabelField { get; } = CreateLabelField();

    public Option<string> PromptTemplate { get; } = new("--prompt-template")
    {
        Description = "How a label name becomes a prompt with --label-field name; {name} is replaced.",
        DefaultValueFactory = _ => LabelSet.DefaultTemplate,
    };

    public IEnumerable<Option> All => [Task, Labels, LabelField, PromptTemplate];

    /// <summary>The task asked for; null means what the model folder is for.</summary>
    public string? Read(ParseResult parse) => parse.GetValue(Task);

    public string? LabelsPath(ParseResult parse) => parse.GetValue(Labels);

    public bool Descriptions(ParseResult parse) => JobChoices.LabelDescriptions(parse.GetValue(LabelField));

    public string Template(ParseResult parse) => parse.GetValue(PromptTemplate)!;

    private static Option<string> CreateLabelField()
    {
        var option = new Option<string>("--label-field") { Description = "Which label column becomes the prompt: name (through --prompt-template) or description.", DefaultValueFactory = _ => "name" };
        option.AcceptOnlyFromAmong([.. JobChoices.LabelFields]);
        return option;
    }
}
