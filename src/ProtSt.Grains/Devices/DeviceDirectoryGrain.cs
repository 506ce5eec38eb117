using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Devices;

/// <summary>
/// Silos register their devices here when they start. Readers get the devices of silos that are active members
/// now, so a silo that died or left drops out without having to say goodbye.
/// </summary>
internal sealed class DeviceDirectoryGrain(IClusterMembershipService membership) : Grain, IDeviceDirectoryGrain
{
    private readonly Dictionary<string, int> _devicesBySilo = new(StringComparer.Ordinal);

    public Task RegisterAsync(string siloAddress, int deviceCount)
    {
        _devicesBySilo[siloAddress] = deviceCount;
        return Task.CompletedTask;
    }

    public Task UnregisterAsync(string siloAddress)
    {
        _devicesBySilo.Remove(siloAddress);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetDevicesAsync()
    {
        var active = ActiveSilos.Of(membership);
        IReadOnlyList<string> devices = _devicesBySilo
            .Where(entry => active.Contains(entry.Key))
            .SelectMany(entry => Enumerable.Range(0, entry.Value).Select(i => DeviceKey.Create(entry.Key, i)))
            .Order(StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(devices);
    }

    public Task<IReadOnlyList<string>> GetActiveSilosAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. ActiveSilos.Of(membership).Order(StringComparer.Ordinal)]);
}
