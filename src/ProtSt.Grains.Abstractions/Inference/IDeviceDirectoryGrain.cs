using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>The cluster's list of devices: silos register theirs when they start; readers get only those on live silos.</summary>
public interface IDeviceDirectoryGrain : IGrainWithIntegerKey
{
    Task RegisterAsync(string siloAddress, int deviceCount);

    /// <summary>Takes a leaving silo's devices off the list, so no shard picks them while the silo drains.</summary>
    Task UnregisterAsync(string siloAddress);

    [AlwaysInterleave]
    Task<IReadOnlyList<string>> GetDevicesAsync();

    /// <summary>The directory's version: what each silo's device list cache polls, cheaply, to know when to read the listing.</summary>
    [AlwaysInterleave]
    Task<long> GetVersionAsync();

    /// <summary>Every registered silo's device count with the version it belongs to; readers filter it by membership.</summary>
    [AlwaysInterleave]
    Task<DeviceDirectoryListing> GetListingAsync();
}
