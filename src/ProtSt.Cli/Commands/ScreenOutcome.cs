using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>What a finished job reports back to the command that ran it: its final status and the aggregator's figures.</summary>
internal sealed record ScreenOutcome(JobStatus Status, JobSnapshot Snapshot);
