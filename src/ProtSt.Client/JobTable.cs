using System.Globalization;
using ProtSt.Grains;

namespace ProtSt.Client;

/// <summary>What <c>protst jobs</c> prints: one line per job, newest first.</summary>
public static class JobTable
{
    public const string Header = "job\tstate\tshards\trows\trecords\tsubmitted\toutput";

    /// <summary>The newest <paramref name="most"/> jobs; each call is retried while a silo that just died holds its grain.</summary>
    public static async Task<IReadOnlyList<JobStatus>> ListAsync(IGrainFactory grains, JobClientOptions options, int most, CancellationToken cancellationToken)
    {
        var ids = await ClusterCall.RetryAsync(() => grains.GetGrain<IJobIndexGrain>(0).ListAsync(), options.ControlCallTimeout, options.GrainMoveTimeout, "listing jobs", cancellationToken);
        var jobs = new List<JobStatus>();
        foreach (var id in ids.Take(most))
        {
            var status = await ClusterCall.RetryAsync(
                () => grains.GetGrain<IJobCoordinatorGrain>(id).GetStatusAsync(), options.ControlCallTimeout, options.GrainMoveTimeout, $"reading job {id}", cancellationToken);
            if (status is not null)
            {
                jobs.Add(status);
            }
        }

        return jobs;
    }

    public static string Line(JobStatus job) => string.Create(
        CultureInfo.InvariantCulture,
        $"{job.JobId}\t{job.Phase.ToString().ToLowerInvariant()}\t{job.ShardsDone}/{job.Shards}\t{job.Rows}\t{job.Records}\t{job.SubmittedAt:u}\t{job.Spec.Output}");
}
