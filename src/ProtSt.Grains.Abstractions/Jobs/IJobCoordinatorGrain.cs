namespace ProtSt.Grains;

/// <summary>
/// The coordinator of one submitted job (key: the job id), durable in the cluster's grain storage: it plans the input
/// into shards, gives them to shard grains on any silo, gives a dead silo's shards to others, assembles the parts, and
/// continues after its own silo or the whole cluster restarts. Its figures live in the aggregator (<see cref="IJobFiguresAggregatorGrain"/>, same key).
/// </summary>
public interface IJobCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Starts the job, after checking on this silo that the input is readable and the output folder writable; submitting a known job again returns its status.</summary>
    Task<JobStatus> SubmitAsync(JobSpec spec);

    /// <summary>The job's status, or null when no job has this id.</summary>
    Task<JobStatus?> GetStatusAsync();

    /// <summary>Stops the job: shards in flight are cancelled, the folder records that it was cancelled.</summary>
    Task<JobStatus?> CancelAsync();

    /// <summary>Makes sure an unfinished job is running (after its silo died or the cluster restarted); cheap when it is.</summary>
    Task WakeAsync();
}
