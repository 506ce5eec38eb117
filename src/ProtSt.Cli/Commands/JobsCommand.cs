using System.CommandLine;
using ProtSt.Client;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst jobs</c>: the cluster's jobs, newest first, with their state and progress.</summary>
internal static class JobsCommand
{
    private const int Shown = 50;

    public static Command Create()
    {
        var cluster = CliOptions.ClusterOption("The cluster's Redis (required).");
        cluster.Required = true;
        var command = new Command("jobs", $"List the cluster's jobs (the newest {Shown}): id, state, shards done, rows, records, submitted, output folder.") { cluster };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            await using var connection = await JobConnection.OpenAsync(parse.GetValue(cluster), configuration, devices: null, ct);
            var jobs = await JobTable.ListAsync(connection.Grains, configuration.JobClient, Shown, ct);
            Console.WriteLine(JobTable.Header);
            foreach (var job in jobs)
            {
                Console.WriteLine(JobTable.Line(job));
            }

            return 0;
        }));
        return command;
    }
}
