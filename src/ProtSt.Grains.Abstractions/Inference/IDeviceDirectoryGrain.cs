using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>The cluster's list of devices: silos register theirs when they start; readers get only those on live silos.</summary>
public interface IDeviceDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Registers (or confirms) a silo's devices and the token budget of each of its batches: the budget is the devices'
    /// own (their accelerator's, or the silo's <c>Screen:MaxTokensPerBatch</c>), so work is planned under it whoever submits.
    /// </summary>
    Task RegisterAsync(string siloAddress, int deviceCount, int tokensPerBatch);

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
