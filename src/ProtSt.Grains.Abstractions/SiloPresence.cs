namespace ProtSt.Grains;

/// <summary>One silo as a job saw it: when it was first seen in the cluster and, if it went, when it left.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloPresence(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Status,
    [property: Id(3)] DateTimeOffset Joined,
    [property: Id(4)] bool PresentAtStart,
    [property: Id(5)] DateTimeOffset? Left);
