using ProtSt.Grains;

namespace ProtSt.Silo.Api;

/// <summary>One line of the job list: a snapshot without its series and tables, with its state (planning, running, completed, failed, cancelled) and error.</summary>
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
    double ResiduesPerSecond,
    string? State,
    string? Error)
{
    public static JobSummary Of(JobSnapshot s) =>
        new(s.JobId, s.Input, s.StartedAt, s.Completed, s.Rows, s.ExpectedRecords, s.Progress, s.Elapsed, s.Eta, s.SequencesPerSecond, s.ResiduesPerSecond, s.State, s.Error);
}
