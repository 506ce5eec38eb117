using System.CommandLine;
using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst attach</c>: follows a job in the cluster with the progress line and summary of <c>screen</c>, and exits with its outcome.</summary>
internal static class AttachCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "The job's id (as screen --detach or protst jobs printed it), or its output folder." };
        var cluster = CliOptions.ClusterOption("The cluster's Redis; without it, an output folder's job is continued on an embedded silo (like screen --resume).");
        var devices = new Option<int?>("--devices") { Description = "Devices of the embedded silo when continuing a folder's job without --cluster." };
        var command = new Command("attach", "Follow a job until it ends (exit 0 completed, 1 failed, 130 cancelled); Ctrl+C stops following, not the job.") { job, cluster, devices };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            var target = parse.GetValue(job)!;
            if (Directory.Exists(target))
            {
                return await ScreenCommand.ContinueAsync(target, parse.GetValue(cluster), parse.GetValue(devices), keepView: false, configuration, ct);
            }

            var redis = parse.GetValue(cluster)
                ?? throw new ArgumentException("attach needs --cluster <redis> for a job id (a job on the embedded silo lives only as long as its screen; continue one with protst screen --resume <output folder>).");
            await using var connection = await JobConnection.OpenAsync(redis, configuration, devices: null, ct);
            if (await ClusterCall.RetryAsync(() => connection.Grains.GetGrain<IJobCoordinatorGrain>(target).GetStatusAsync(), configuration.JobClient.ControlCallTimeout, configuration.JobClient.GrainMoveTimeout, $"attaching to job {target}", ct) is null)
            {
                throw new ArgumentException($"the cluster at {redis} knows no job '{target}' (protst jobs --cluster {redis} lists them).");
            }

            var outcome = await ScreenCommand.FollowAsync(connection, target, redis, keepView: false, resumable: true, configuration, ct);
            return ScreenCommand.ExitCode(outcome.Status);
        }));
        return command;
    }
}
