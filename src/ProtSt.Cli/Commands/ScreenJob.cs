namespace ProtSt.Cli.Commands;

/// <summary>One job as <c>screen</c> or <c>eval</c> asked for it.</summary>
internal sealed record ScreenJob(
    string Input, string? Model, string Output, JobTaskRequest Task, bool FailOnInvalid, int? Devices, string? Cluster, string JobPrefix);
