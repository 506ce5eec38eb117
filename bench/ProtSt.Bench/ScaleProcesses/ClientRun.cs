namespace ProtSt.Bench.ScaleProcesses;

/// <summary>
/// One client run: the job's id, the client's wall from start and from the submission to its exit, its CPU seconds before
/// the submission and in all, and each watched process's CPU seconds from the submission to the client's exit.
/// </summary>
internal sealed record ClientRun(
    string JobId,
    double WallSeconds,
    double SubmittedToExitSeconds,
    double StartupCpuSeconds,
    double TotalCpuSeconds,
    IReadOnlyDictionary<int, double> WatchedCpuSeconds)
{
    /// <summary>The client's CPU seconds from the submission to its exit: watching the job and shutting down.</summary>
    public double JobCpuSeconds => TotalCpuSeconds - StartupCpuSeconds;
}
