using ProtSt.Grains;
using Spectre.Console;

namespace ProtSt.Client;

/// <summary>Follows a job with a live progress line in a terminal (records, rate, accuracy, ETA), or silently in scripts.</summary>
public static class JobProgressLine
{
    public static async Task<(JobStatus Status, JobSnapshot? Snapshot)> FollowAsync(IAnsiConsole console, JobWatcher watcher, string jobId, CancellationToken cancellationToken)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return await watcher.WatchAsync(jobId, null, cancellationToken);
        }

        (JobStatus, JobSnapshot?) result = default;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: double.MaxValue);
                result = await watcher.WatchAsync(jobId, (status, s) => task.Description = Describe(status, s), cancellationToken);
                task.StopTask();
            });
        return result;
    }

    /// <summary>One line: the phase while planning or assembling, else rows of records, rates, accuracy and ETA.</summary>
    public static string Describe(JobStatus status, JobSnapshot? s)
    {
        if (status.Phase != JobPhase.Running)
        {
            return status.Phase == JobPhase.Planning ? "reading the input" : status.Phase.ToString().ToLowerInvariant();
        }

        var share = status.Records > 0 ? $" of {status.Records} ({100.0 * status.Rows / status.Records:F0}%)" : string.Empty;
        var rates = s is null ? string.Empty : $", {s.WindowSequencesPerSecond:F1} seq/s (last 10 s), {s.ResiduesPerSecond:F0} residues/s";
        var accuracy = s?.Classification is { Labelled: > 0 } c ? $", accuracy {c.Accuracy:P1}" : string.Empty;
        var eta = s?.Eta is { } remaining ? $", ETA {remaining:hh\\:mm\\:ss}" : string.Empty;
        return $"{status.Rows}{share} records, {status.ShardsDone}/{status.Shards} shards{rates}{accuracy}{eta}";
    }
}
