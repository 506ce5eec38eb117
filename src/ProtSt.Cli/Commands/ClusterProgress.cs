using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>
/// Mirrors a cluster job's checkpoints into the cluster's grain storage (Redis), best effort: the output folder's
/// <c>progress.json</c> is what <c>--resume</c> trusts, so an unreachable store costs a warning, never the job.
/// </summary>
internal sealed class ClusterProgress(IJobProgressGrain grain, string outputFolder)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private bool _warned;

    public async Task SaveAsync(ScreenProgress checkpoint)
    {
        try
        {
            await grain.SaveAsync(new JobProgress(
                checkpoint.JobId, checkpoint.Input, Environment.MachineName, Path.GetFullPath(outputFolder), checkpoint.Records, checkpoint.Files.Rows,
                checkpoint.Files.Failures, checkpoint.Complete, DateTimeOffset.UtcNow)).WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!_warned)
            {
                _warned = true;
                Console.Error.WriteLine($"warning: the cluster did not store the job's progress ({e.Message}); progress.json in the output folder still has it.");
            }
        }
    }

    public async Task<JobProgress?> GetAsync()
    {
        try
        {
            return await grain.GetAsync().WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }
}
