namespace ProtSt.Cli.Commands;

/// <summary>One job as <c>screen</c> or <c>eval</c> asked for it; <see cref="KeepView"/> null means "in a terminal only".</summary>
internal sealed record ScreenJob(
    string Input, string? Model, string Output, JobTaskRequest Task, bool FailOnInvalid, int? Devices, string? Cluster, string JobPrefix, bool? KeepView = null);
