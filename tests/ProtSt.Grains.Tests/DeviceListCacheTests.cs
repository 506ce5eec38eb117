using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>Each silo's copy of the device directory follows joins and deaths without a shard asking the directory.</summary>
public sealed class DeviceListCacheTests
{
    [Fact]
    public async Task A_joining_silos_devices_reach_the_other_silos_and_shards_within_seconds_and_a_dead_silos_go_at_once()
    {
        var model = SharedModels.Demo();
        var cluster = await OwnCluster.StartSimulatedAsync(1, new SimulatedDeviceOptions { MicrosecondsPerPaddedToken = 20, EmbeddingWidth = 8 });
        try
        {
            var cache = Of(cluster.Primary);
            Assert.Equal(2, (await cache.GetDevicesAsync()).Count);

            // No forced refresh here: the membership change (and the read a second after it) bring the new devices.
            var joined = await cluster.StartAdditionalSiloAsync();
            var address = joined.SiloAddress.ToParsableString();
            await WaitForAsync(cache, d => d.Count(k => DeviceKey.Parse(k).SiloAddress == address) == 2, TimeSpan.FromSeconds(10), "the new silo's devices");

            // Shards on either silo send batches to the new silo's devices.
            var records = OwnCluster.Proteome(400, seed: 3);
            var driver = new JobDriver(cluster.Client, new ScreenOptions { ShardSize = 16, MaxShardsInFlight = 8, MaxTokensPerBatch = 1024 });
            await driver.RunAsync("cache-job", model, records.ToAsyncEnumerable(), _ => ValueTask.CompletedTask, CancellationToken.None);
            long batches = 0;
            for (var device = 0; device < 2; device++)
            {
                batches += (await cluster.Client.GetGrain<IDeviceGrain>(DeviceKey.Create(address, device)).GetStatsAsync()).Batches;
            }

            Assert.True(batches > 0, "no shard used the new silo's devices");

            // Once membership says the silo is dead, no read offers its devices, whatever the directory still lists.
            await cluster.KillSiloAsync(joined);
            await WaitForAsync(cache, d => d.All(k => DeviceKey.Parse(k).SiloAddress != address), TimeSpan.FromSeconds(90), "the dead silo's devices to go");
            Assert.Equal(2, (await cache.GetDevicesAsync()).Count);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>The device list cache of an in-process test silo.</summary>
    internal static DeviceListCache Of(SiloHandle? silo) =>
        ((InProcessSiloHandle)silo!).SiloHost.Services.GetRequiredService<DeviceListCache>();

    internal static async Task WaitForAsync(DeviceListCache cache, Func<IReadOnlyList<string>, bool> done, TimeSpan bound, string what)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!done(await cache.GetDevicesAsync()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the silo's device list did not show {what} within {bound.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
