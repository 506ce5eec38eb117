using Orleans.Placement;

namespace ProtSt.Grains.Placement;

/// <summary>Marks a grain class for <see cref="DevicePlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DevicePlacementAttribute : PlacementAttribute
{
    public DevicePlacementAttribute()
        : base(DevicePlacementStrategy.Instance)
    {
    }
}
