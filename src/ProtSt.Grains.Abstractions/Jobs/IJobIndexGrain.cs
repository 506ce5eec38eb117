namespace ProtSt.Grains;

/// <summary>Every submitted job's id, durable (key 0): what <c>protst jobs</c> lists and what silos wake after a restart.</summary>
public interface IJobIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string jobId);

    /// <summary>The job is no longer running; the output folder it claimed is free again.</summary>
    Task FinishAsync(string jobId);

    /// <summary>
    /// Claims <paramref name="folder"/> (a resolved path) for <paramref name="jobId"/> until it finishes: null when the
    /// folder is now this job's, else the unfinished job that holds it. One grain decides, so two submissions racing
    /// for one folder cannot both win.
    /// </summary>
    Task<string?> ClaimFolderAsync(string jobId, string folder);

    /// <summary>Job ids, newest first.</summary>
    Task<IReadOnlyList<string>> ListAsync();

    Task<IReadOnlyList<string>> UnfinishedAsync();
}
