using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>What a finished job reports back to the command that ran it.</summary>
internal sealed record ScreenOutcome(JobSnapshot Snapshot, string ModelDirectory, JobTask Task, long Rows, int Skipped);
