using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>One accelerator of one silo, owning one inference session; runs one batch at a time. Key: <see cref="DeviceKey"/>.</summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    Task<DeviceBatchResult> RunAsync(DeviceBatch batch);

    [AlwaysInterleave]
    Task<DeviceStats> GetStatsAsync();
}
