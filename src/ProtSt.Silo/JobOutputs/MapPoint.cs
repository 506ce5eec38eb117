namespace ProtSt.Silo.JobOutputs;

/// <summary>One protein on a job's embedding map: its id, its coordinates on the two leading principal axes, its predicted label and that label's score (both null for an embed job).</summary>
public sealed record MapPoint(string Id, double X, double Y, string? Label, float? Score);
