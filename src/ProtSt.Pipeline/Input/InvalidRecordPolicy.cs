namespace ProtSt.Pipeline;

/// <summary>What to do with an invalid record: report and skip it, or stop.</summary>
public enum InvalidRecordPolicy
{
    Fail,
    Skip,
}
