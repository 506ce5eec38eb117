namespace ProtSt.Grains;

/// <summary>A job's state as the API, job.json and snapshots spell it: its <see cref="JobPhase"/> in lower case.</summary>
public static class JobStates
{
    public const string Planning = "planning";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static string Of(JobPhase phase) => phase == JobPhase.Assembling ? "assembling" : phase.ToString().ToLowerInvariant();
}
