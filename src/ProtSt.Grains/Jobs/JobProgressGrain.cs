using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Jobs;

/// <summary>Keeps one job's last checkpoint in the silo's <see cref="JobStorage.Name"/> grain storage.</summary>
internal sealed class JobProgressGrain([PersistentState("progress", JobStorage.Name)] IPersistentState<JobProgressState> state) : Grain, IJobProgressGrain
{
    public async Task SaveAsync(JobProgress progress)
    {
        // A resumed run starts from its folder's checkpoint, which is never behind what was stored; anything older is a
        // late, reordered call from a run that died.
        if (state.State.Progress is { } stored && progress.Records < stored.Records && !progress.Complete)
        {
            return;
        }

        state.State.Progress = progress;
        await state.WriteStateAsync();
    }

    public Task<JobProgress?> GetAsync() => Task.FromResult(state.State.Progress);
}
