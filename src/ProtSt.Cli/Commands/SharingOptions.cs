using System.CommandLine;
using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>--priority</c> and <c>--max-devices</c>: how a job shares the cluster's devices with other jobs
/// (<see cref="JobSharing"/>), shared by the commands that submit jobs. Checked while the command line is parsed.
/// </summary>
internal sealed class SharingOptions
{
    public Option<int> Priority { get; } = Checked(new Option<int>("--priority")
    {
        Description = $"The job's weight on shared devices: each device serves the jobs waiting on it in proportion to their weights, by padded tokens (1 to {JobSharing.MaxPriority}; default 1).",
        DefaultValueFactory = _ => JobSharing.DefaultPriority,
    });

    public Option<int> MaxDevices { get; } = Checked(new Option<int>("--max-devices")
    {
        Description = "Use at most this many of the cluster's devices, the same ones for every shard of the job (default 0: all).",
        DefaultValueFactory = _ => 0,
    });

    public IEnumerable<Option> All => [Priority, MaxDevices];

    /// <summary>The request with the job's priority and device limit.</summary>
    public Client.JobRequest Apply(Client.JobRequest request, ParseResult parse) =>
        request with { Priority = parse.GetValue(Priority), MaxDevices = parse.GetValue(MaxDevices) };

    private static Option<int> Checked(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            var problem = option.Name == "--priority" ? JobSharing.Problem(value, 0) : JobSharing.Problem(JobSharing.DefaultPriority, value);
            if (problem is not null)
            {
                result.AddError(problem);
            }
        });
        return option;
    }
}
