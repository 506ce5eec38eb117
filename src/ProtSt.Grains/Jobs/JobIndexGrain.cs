using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Jobs;

/// <summary>The durable list of submitted jobs (key 0), in the <see cref="JobStorage.Name"/> grain storage.</summary>
internal sealed class JobIndexGrain([PersistentState("index", JobStorage.Name)] IPersistentState<JobIndexState> state) : Grain, IJobIndexGrain
{
    /// <summary>Finished jobs beyond this many are dropped from the list (their folders keep job.json).</summary>
    private const int Kept = 1000;

    private static readonly TimeSpan ClaimLapse = TimeSpan.FromMinutes(5);

    public async Task AddAsync(string jobId)
    {
        if (!state.State.Jobs.Contains(jobId, StringComparer.Ordinal))
        {
            state.State.Jobs.Add(jobId);
        }

        state.State.Unfinished.Add(jobId);
        while (state.State.Jobs.Count > Kept && state.State.Jobs.FirstOrDefault(j => !state.State.Unfinished.Contains(j)) is { } oldest)
        {
            state.State.Jobs.Remove(oldest);
        }

        await state.WriteStateAsync();
    }

    public async Task FinishAsync(string jobId)
    {
        var held = state.State.Folders.Where(f => f.Value.JobId == jobId).Select(f => f.Key).ToList();
        held.ForEach(folder => state.State.Folders.Remove(folder));
        if (state.State.Unfinished.Remove(jobId) | held.Count > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task<string?> ClaimFolderAsync(string jobId, string folder)
    {
        // A claim whose job never became unfinished (its silo died while submitting it) lapses; a submission takes seconds.
        if (state.State.Folders.TryGetValue(folder, out var claim) && claim.JobId != jobId
            && (state.State.Unfinished.Contains(claim.JobId) || DateTimeOffset.UtcNow - claim.ClaimedAt < ClaimLapse))
        {
            return claim.JobId;
        }

        state.State.Folders[folder] = new FolderClaim(jobId, DateTimeOffset.UtcNow);
        await state.WriteStateAsync();
        return null;
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Jobs.AsEnumerable().Reverse().ToList());

    public Task<IReadOnlyList<string>> UnfinishedAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Unfinished]);
}
