namespace ProtSt.Cli.Commands;

/// <summary>
/// One job as <c>screen</c> or <c>eval</c> asked for it; <see cref="KeepView"/> null means "in a terminal only";
/// <see cref="ResumeFrom"/> is the stopped job's progress when continuing it; <see cref="Resumable"/> is false for
/// commands without <c>--resume</c> (eval), which may overwrite an unfinished folder and print no resume hint.
/// </summary>
internal sealed record ScreenJob(
    string Input,
    string? Model,
    string Output,
    JobTaskRequest Task,
    bool FailOnInvalid,
    int? Devices,
    string? Cluster,
    string JobPrefix,
    bool? KeepView = null,
    ScreenProgress? ResumeFrom = null,
    bool Resumable = true)
{
    /// <summary>The job a stopped job's progress describes, run with this invocation's cluster, devices and view choices.</summary>
    public static ScreenJob Resuming(ScreenProgress progress, string output, int? devices, string? cluster, bool? keepView) =>
        new(progress.Input, progress.Model, output, progress.Task, progress.FailOnInvalid, devices, cluster, progress.JobPrefix, keepView, progress);
}
