using ProtSt.Client;

namespace ProtSt.Cli.Commands;

/// <summary>
/// One job as <c>screen</c> or <c>eval</c> asked for it, and how to run it: on which cluster (null: the embedded silo),
/// whether to return once submitted, and whether to keep the embedded view open (null: in a terminal only).
/// <see cref="ContinueJobId"/> continues a job (<c>--resume</c>): attached when the cluster knows it, otherwise
/// submitted again under its id, keeping the parts it finished. <see cref="Resumable"/> is false for commands
/// without <c>--resume</c> (eval), which may overwrite an unfinished folder and print no resume hint.
/// </summary>
internal sealed record ScreenJob(
    JobRequest Request,
    int? Devices,
    string? Cluster,
    bool? KeepView = null,
    bool Detach = false,
    string? ContinueJobId = null,
    bool Resumable = true);
