using Orleans.Runtime.Placement;

namespace ProtSt.Grains.Placement;

/// <summary>
/// Activates a device grain on the silo named in its key. A device on a silo that has left has nowhere to go: the
/// call fails, and the shard that made it retries the batch on another device.
/// </summary>
internal sealed class DevicePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var (silo, _) = DeviceKey.Parse(target.GrainIdentity.Key.ToString()!);
        foreach (var candidate in context.GetCompatibleSilos(target))
        {
            if (candidate.ToParsableString() == silo)
            {
                return Task.FromResult(candidate);
            }
        }

        throw new DeviceUnavailableException($"Device {target.GrainIdentity.Key} belongs to silo {silo}, which is not an active member of the cluster.");
    }
}
