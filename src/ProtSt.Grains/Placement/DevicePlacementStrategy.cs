namespace ProtSt.Grains.Placement;

/// <summary>Places a device grain on the silo its key names, and nowhere else.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class DevicePlacementStrategy : PlacementStrategy
{
    internal static DevicePlacementStrategy Instance { get; } = new();
}
