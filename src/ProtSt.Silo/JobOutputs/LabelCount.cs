namespace ProtSt.Silo.JobOutputs;

/// <summary>How many of a job's rows so far were predicted as one label.</summary>
public sealed record LabelCount(string Label, long Count);
