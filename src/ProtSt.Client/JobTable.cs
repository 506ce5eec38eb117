using System.Globalization;
using ProtSt.Grains;

namespace ProtSt.Client;

/// <summary>What <c>protst jobs</c> prints: one line per job, newest first.</summary>
public static class JobTable
{
    public const string Header = "job\tstate\tshards\trows\trecords\tsubmitted\toutput";

    public static async Task<IReadOnlyList<JobStatus>> ListAsync(IGrainFactory grains, TimeSpan callTimeout, int most, CancellationToken cancellationToken)
    {
        var ids = await grains.GetGrain<IJobIndexGrain>(0).ListAsync().WaitAsync(callTimeout, cancellationToken);
        var jobs = new List<JobStatus>();
        foreach (var id in ids.Take(most))
        {
            if (await grains.GetGrain<IJobCoordinatorGrain>(id).GetStatusAsync().WaitAsync(callTimeout, cancellationToken) is { } status)
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
