namespace ProtSt.Bench.ScaleProcesses;

/// <summary>
/// One size of the multi-process scale run: the job's own figures, the client's run, and the CPU seconds each silo and
/// Redis spent from the job's submission to the client's exit, each silo's CPU share while idle just before the job; the machine's 1-minute load average before and after.
/// </summary>
internal sealed record ProcessScaleFigures(
    int Silos,
    int Devices,
    int Records,
    JobApiSnapshot Job,
    ClientRun Client,
    IReadOnlyList<double> SiloCpuSeconds,
    IReadOnlyList<double> IdleSiloCores,
    double RedisCpuSeconds,
    double LoadBefore,
    double LoadAfter)
{
    /// <summary>Padded tokens per second if every device computed all the time: devices over seconds per padded token.</summary>
    public double IdealPaddedTokensPerSecond(double microsecondsPerToken) => Devices * 1e6 / microsecondsPerToken;

    public double PaddedTokensPerSecond => Job.PaddedTokens / Job.ElapsedSeconds;

    /// <summary>
    /// The devices' busy time over devices × the job's time. Above the share of ideal by the simulated devices' timer
    /// lateness (their waits ending late on a host short of CPU); below 100% by the time they waited for work.
    /// </summary>
    public double DeviceBusyShare => Job.DeviceBusySeconds / (Devices * Job.ElapsedSeconds);

    public double SequencesPerSecond => Job.Rows / Job.ElapsedSeconds;

    /// <summary>Microseconds of CPU per written row.</summary>
    public double PerRow(double cpuSeconds) => cpuSeconds * 1e6 / Math.Max(1, Job.Rows);

    /// <summary>Cores kept busy by the cluster's processes (silos, Redis, client) from the submission to the client's exit.</summary>
    public double CoresBusy => (SiloCpuSeconds.Sum() + RedisCpuSeconds + Client.JobCpuSeconds) / Client.SubmittedToExitSeconds;
}
