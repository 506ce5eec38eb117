namespace ProtSt.Grains;

/// <summary>
/// A job's durable progress in the cluster's grain storage (Redis for clusters), keyed by the job id its output folder
/// records: it outlives the client, the job's silos and a restart of the whole cluster.
/// </summary>
public interface IJobProgressGrain : IGrainWithStringKey
{
    /// <summary>Records a checkpoint; an older one (fewer records) than the stored one is ignored.</summary>
    Task SaveAsync(JobProgress progress);

    Task<JobProgress?> GetAsync();
}
