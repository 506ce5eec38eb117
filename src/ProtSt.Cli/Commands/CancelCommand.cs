using System.CommandLine;
using ProtSt.Grains;
using ProtSt.Grains.Jobs;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst cancel</c>: stops a job in the cluster; its shards stop sending batches and its folder records that it was cancelled.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "The job's id." };
        var cluster = CliOptions.ClusterOption("The cluster's Redis (required).");
        cluster.Required = true;
        var command = new Command("cancel", "Cancel a job in the cluster.") { job, cluster };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            await using var connection = await JobConnection.OpenAsync(parse.GetValue(cluster), configuration, devices: null, ct);
            var id = parse.GetValue(job)!;
            var status = await ClusterCall.RetryAsync(() => connection.Grains.GetGrain<IJobCoordinatorGrain>(id).CancelAsync(), configuration.JobClient.ControlCallTimeout, configuration.JobClient.GrainMoveTimeout, $"cancelling job {id}", ct)
                ?? throw new ArgumentException($"the cluster knows no job '{id}'.");
            Console.WriteLine(status.Phase == JobPhase.Cancelled
                ? $"job {id} cancelled after {status.ShardsDone} of {status.Shards} shards ({status.Rows} rows in finished parts); {Path.Combine(status.Spec.Output, JobFolderRecord.FileName)} says so."
                : $"job {id} had already ended: {status.Phase.ToString().ToLowerInvariant()}.");
            return 0;
        }));
        return command;
    }
}
