namespace ProtSt.Grains;

/// <summary>
/// The words that choose a job's task, invalid-record policy, label field and output layout, and what each means in a
/// <see cref="JobSpec"/>: the one place the CLI's options and <c>POST /api/jobs</c> take them from.
/// </summary>
public static class JobChoices
{
    public const string Embed = "embed";

    public const string ZeroShot = "zero-shot";

    public const string Classify = "classify";

    /// <summary>The tasks a job may name (none: what the model folder is for).</summary>
    public static IReadOnlyList<string> Tasks { get; } = [Embed, ZeroShot, Classify];

    /// <summary>What happens to an invalid input record: skip (reported, the job goes on) or fail (the default).</summary>
    public static IReadOnlyList<string> InvalidRecordPolicies { get; } = ["skip", "fail"];

    /// <summary>Which label column becomes a zero-shot prompt: name (the default, through the template) or description.</summary>
    public static IReadOnlyList<string> LabelFields { get; } = ["name", "description"];

    /// <summary>How a finished job's output is laid out: assembled (the default) or parts.</summary>
    public static IReadOnlyList<string> Layouts { get; } = ["assembled", "parts"];

    /// <summary>Whether an invalid record fails the job; anything but skip does, so a missing policy is the safe one.</summary>
    public static bool FailOnInvalid(string? policy) => policy != "skip";

    public static bool LabelDescriptions(string? field) => field == "description";

    public static OutputLayout Layout(string? layout) => layout == "parts" ? OutputLayout.Parts : OutputLayout.Assembled;

    /// <summary>Why these words cannot be a job's, in one line naming the API's fields; null (each may be null) when they can.</summary>
    public static string? Problem(string? task, string? onInvalid, string? labelField, string? layout)
    {
        if (task is not null && !Tasks.Contains(task))
        {
            return "task must be embed, zero-shot or classify";
        }

        return onInvalid is not null && !InvalidRecordPolicies.Contains(onInvalid)
            || labelField is not null && !LabelFields.Contains(labelField)
            || layout is not null && !Layouts.Contains(layout)
            ? "on_invalid is skip or fail, label_field name or description, output_layout assembled or parts"
            : null;
    }
}
