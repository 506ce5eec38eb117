using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;

namespace ProtSt.Silo.Api;

/// <summary>
/// The body of <c>POST /api/jobs</c>: what <c>protst screen --detach</c> would submit. Input, output and model are
/// paths on the silos; task, labels, invalid-record policy, layout, priority, device limit and overwrite are optional (the
/// model's task, ProtST's locations, fail, assembled, 1, every device, no); include, layers, long and window_residues are
/// <c>--include</c> and its companions as words (<see cref="Extraction.Parse"/>), absent for the mean embedding only.
/// Multi-word fields are snake_case, as documented (the web defaults would bind only camelCase and silently drop
/// <c>on_invalid</c> and the like); any other field is refused.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
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
    [property: JsonPropertyName("window_residues")] int? WindowResidues = null,
    bool Overwrite = false)
{
    private const string Fields = "input, output, model, task, labels, label_field, prompt_template, on_invalid, output_layout, priority, max_devices, overwrite";

    // Exact names only: "Input" or "onInvalid" is a field this API does not have, and says so.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
    };

    /// <summary>The body as a submission, or why it is not one, naming the field (a type error, an unknown field, not JSON).</summary>
    public static async Task<(JobSubmission? Submission, string? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return (null, "the body must be JSON (Content-Type: application/json)");
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<JobSubmission>(request.Body, Json, cancellationToken) is { } submission
                ? (submission, null)
                : (null, "the body must be a JSON object with input, output and model");
        }
        catch (JsonException e)
        {
            return (null, Describe(e));
        }
    }

    // System.Text.Json names the field in its path ($.priority); the rest of its message is for .NET developers.
    private static string Describe(JsonException e)
    {
        var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var name = e.Message.Split('\'') is { Length: >= 3 } parts ? parts[1] : field;
            return $"unknown field '{name}'; the fields are {Fields}";
        }

        return field is null
            ? $"the body is not valid JSON: {e.Message.Split(" Path:", 2)[0]}"
            : $"field '{field}' has the wrong type or value: {e.Message.Split(" Path:", 2)[0]}";
    }

    /// <summary>
    /// The job's spec with this silo's shard settings, or the reason the body is not a job. Its token budget per batch
    /// is 0, the devices' own, as in the jobs <c>protst screen</c> submits. Paths are stored with <c>..</c> collapsed.
    /// </summary>
    public (JobSpec? Spec, string? Problem) ToSpec(ScreenOptions options, SecurityOptions security)
    {
        if (string.IsNullOrWhiteSpace(Input) || string.IsNullOrWhiteSpace(Output) || string.IsNullOrWhiteSpace(Model))
        {
            return (null, "a job needs input, output and model (paths every silo sees)");
        }

        foreach (var (field, value) in new[] { ("input", Input), ("output", Output), ("model", Model), ("labels", Labels) })
        {
            if (value is null)
            {
                continue;
            }

            if (value.Length > security.MaxPathLength)
            {
                return (null, string.Create(CultureInfo.InvariantCulture,
                    $"{field} has {value.Length} characters; the limit is {SecurityOptions.SectionName}:{nameof(SecurityOptions.MaxPathLength)} = {security.MaxPathLength}"));
            }

            if (value.Contains('\0', StringComparison.Ordinal))
            {
                return (null, $"{field} holds a NUL character");
            }

            if (!Path.IsPathFullyQualified(value))
            {
                return (null, field == "labels"
                    ? "labels must be an absolute path (the silos resolve it, not the caller)"
                    : "input, output and model must be absolute paths (the silos resolve them, not the caller)");
            }
        }

        if (PromptTemplate is { Length: var length } && length > security.MaxPromptLength)
        {
            return (null, string.Create(CultureInfo.InvariantCulture,
                $"prompt_template has {length} characters; the limit is {SecurityOptions.SectionName}:{nameof(SecurityOptions.MaxPromptLength)} = {security.MaxPromptLength}"));
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
            "screen", Path.GetFullPath(Input), Path.GetFullPath(Output), Path.GetFullPath(Model), Task, Labels is null ? null : Path.GetFullPath(Labels),
            JobChoices.LabelDescriptions(LabelField), PromptTemplate ?? Pipeline.LabelSet.DefaultTemplate,
            JobChoices.FailOnInvalid(OnInvalid), false, JobChoices.Layout(OutputLayout),
            options.ShardSize, 0, options.MaxBatchSize, options.MaxShardsInFlight,
            Priority ?? JobSharing.DefaultPriority, MaxDevices ?? 0, Extract: extraction, Overwrite: Overwrite), null);
    }
}
