using System.CommandLine;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>The options that choose a job's task and labels, shared by <c>screen</c> and <c>eval</c>.</summary>
internal sealed class TaskOptions
{
    public TaskOptions(bool embedAllowed)
    {
        Task = new Option<string?>("--task") { Description = embedAllowed ? "embed, zero-shot or classify (default: what the model folder is for)." : "zero-shot or classify (default: what the model folder is for)." };
        Task.AcceptOnlyFromAmong(embedAllowed ? ["embed", "zero-shot", "classify"] : ["zero-shot", "classify"]);
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

    public JobTaskRequest Read(ParseResult parse) => new(
        parse.GetValue(Task) switch
        {
            "embed" => ScreenTask.Embed,
            "zero-shot" => ScreenTask.ZeroShot,
            "classify" => ScreenTask.Classify,
            _ => null,
        },
        parse.GetValue(Labels),
        parse.GetValue(LabelField) == "description" ? Pipeline.LabelField.Description : Pipeline.LabelField.Name,
        parse.GetValue(PromptTemplate)!);

    private static Option<string> CreateLabelField()
    {
        var option = new Option<string>("--label-field") { Description = "Which label column becomes the prompt: name (through --prompt-template) or description.", DefaultValueFactory = _ => "name" };
        option.AcceptOnlyFromAmong("name", "description");
        return option;
    }
}
