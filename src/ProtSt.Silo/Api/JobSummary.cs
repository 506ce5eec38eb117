using ProtSt.Grains;

namespace ProtSt.Silo.Api;

/// <summary>One line of the job list: a snapshot without its series and tables.</summary>
public sealed record JobSummary(
    string JobId,
    string? Input,
    DateTimeOffset? StartedAt,
    bool Completed,
    long Rows,
    long? ExpectedRecords,
    double? Progress,
    TimeSpan Elapsed,
    TimeSpan? Eta,
    double SequencesPerSecond,
    double ResiduesPerSecond)
{
    public static JobSummary Of(JobSnapshot s) =>
        new(s.JobId, s.Input, s.StartedAt, s.Completed, s.Rows, s.ExpectedRecords, s.Progress, s.Elapsed, s.Eta, s.SequencesPerSecond, s.ResiduesPerSecond);
}
