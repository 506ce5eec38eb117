using System.Text.Json.Serialization;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;

namespace ProtSt.Silo.Api;

/// <summary>
/// The body of <c>POST /api/jobs</c>: what <c>protst screen --detach</c> would submit. Input, output and model are
/// paths on the silos; task, labels, invalid-record policy, layout, priority and device limit are optional (the model's
/// task, ProtST's locations, fail, assembled, 1, every device); include, layers, long and window_residues are
/// <c>--include</c> and its companions as words (<see cref="Extraction.Parse"/>), absent for the mean embedding only. Multi-word fields are snake_case, as documented (the
/// web defaults would bind only camelCase and silently drop <c>on_invalid</c> and the like).
/// </summary>
public sealed record JobSubmission(
    string Input,
    string Output,
    string Model,
    string? Task = null,
    string? Labels = null,
    [property: JsonPropertyName("label_field")] string? LabelField = null,
    [property: JsonPropertyName("prompt_template")] string? PromptTemplate = null,
    [property: JsonPropertyName("on_invalid")] string? OnInvalid = null,
    [property: JsonPropertyName("output_layout")] string? OutputLayout = null,
    int? Priority = null,
    [property: JsonPropertyName("max_devices")] int? MaxDevices = null,
    string? Include = null,
    string? Layers = null,
    string? Long = null,
    [property: JsonPropertyName("window_residues")] int? WindowResidues = null)
{
    /// <summary>
    /// The job's spec with this silo's shard settings, or the reason the body is not a job. Its token budget per batch
    /// is 0, the devices' own, as in the jobs <c>protst screen</c> submits.
    /// </summary>
    public (JobSpec? Spec, string? Problem) ToSpec(ScreenOptions options)
    {
        if (string.IsNullOrWhiteSpace(Input) || string.IsNullOrWhiteSpace(Output) || string.IsNullOrWhiteSpace(Model))
        {
            return (null, "a job needs input, output and model (paths every silo sees)");
        }

        if (!Path.IsPathFullyQualified(Input) || !Path.IsPathFullyQualified(Output) || !Path.IsPathFullyQualified(Model))
        {
            return (null, "input, output and model must be absolute paths (the silos resolve them, not the caller)");
        }

        if (JobChoices.Problem(Task, OnInvalid, LabelField, OutputLayout) is { } choice)
        {
            return (null, choice);
        }

        if (JobSharing.Problem(Priority ?? JobSharing.DefaultPriority, MaxDevices ?? 0, "priority", "max_devices") is { } sharing)
        {
            return (null, sharing);
        }

        Extraction? extraction = null;
        if (Include is not null || Layers is not null || Long is not null || WindowResidues is not null)
        {
            (extraction, var problem) = Extraction.Parse(Include, Layers, Long, WindowResidues);
            if (problem is not null)
            {
                return (null, problem);
            }
        }

        return (new JobSpec(
            "screen", Input, Output, Model, Task, Labels, JobChoices.LabelDescriptions(LabelField), PromptTemplate ?? Pipeline.LabelSet.DefaultTemplate,
            JobChoices.FailOnInvalid(OnInvalid), false, JobChoices.Layout(OutputLayout),
            options.ShardSize, 0, options.MaxBatchSize, options.MaxShardsInFlight,
            Priority ?? JobSharing.DefaultPriority, MaxDevices ?? 0, Extract: extraction), null);
    }
}
