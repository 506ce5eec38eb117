namespace ProtSt.Grains;

/// <summary>Every submitted job's id, durable (key 0): what <c>protst jobs</c> lists and what silos wake after a restart.</summary>
public interface IJobIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string jobId);

    Task FinishAsync(string jobId);

    /// <summary>Job ids, newest first.</summary>
    Task<IReadOnlyList<string>> ListAsync();

    Task<IReadOnlyList<string>> UnfinishedAsync();
}
