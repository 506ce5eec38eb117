using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Inference;

/// <summary>
/// Silos register their devices here when they start. Readers get the devices of silos that are active members
/// now, so a silo that died or left drops out without having to say goodbye. Each silo's <see cref="DeviceListCache"/>
/// polls its version and reads the listing only when it changed.
/// </summary>
internal sealed class DeviceDirectoryGrain(IClusterMembershipService membership) : Grain, IDeviceDirectoryGrain
{
    private readonly Dictionary<string, int> _devicesBySilo = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _tokensPerBatchBySilo = new(StringComparer.Ordinal);

    // A random start: an activation that replaces one lost with its silo never repeats the version caches hold.
    private long _version = Random.Shared.NextInt64(long.MaxValue / 2);

    public Task RegisterAsync(string siloAddress, int deviceCount, int tokensPerBatch)
    {
        // Silos announce every few seconds; only a change moves the version.
        if (!_devicesBySilo.TryGetValue(siloAddress, out var known) || known != deviceCount
            || !_tokensPerBatchBySilo.TryGetValue(siloAddress, out var budget) || budget != tokensPerBatch)
        {
            _devicesBySilo[siloAddress] = deviceCount;
            _tokensPerBatchBySilo[siloAddress] = tokensPerBatch;
            _version++;
        }

        return Task.CompletedTask;
    }

    public Task UnregisterAsync(string siloAddress)
    {
        if (_devicesBySilo.Remove(siloAddress) | _tokensPerBatchBySilo.Remove(siloAddress))
        {
            _version++;
        }

        return Task.CompletedTask;
    }

    public Task<long> GetVersionAsync() => Task.FromResult(_version);

    public Task<DeviceDirectoryListing> GetListingAsync() =>
        Task.FromResult(new DeviceDirectoryListing(
            _version, new Dictionary<string, int>(_devicesBySilo, StringComparer.Ordinal), new Dictionary<string, int>(_tokensPerBatchBySilo, StringComparer.Ordinal)));

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
}
