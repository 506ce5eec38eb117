namespace ProtSt.Grains;

/// <summary>Where a submitted job stands; the last three are final.</summary>
public enum JobPhase
{
    Planning,
    Running,
    Assembling,
    Completed,
    Failed,
    Cancelled,
}
