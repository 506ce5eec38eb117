using ProtSt.Grains.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>A silo that leaves gracefully finishes the batches its devices are running and takes no new ones.</summary>
public sealed class DrainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_leaving_silo_delivers_its_running_batch_refuses_new_and_queued_ones_and_leaves_the_directory_first()
    {
        var model = SharedModels.Demo();
        GatedBackendFactory.Close();
        var cluster = await OwnCluster.StartAsync<GatedBackendFactory>(2);
        try
        {
            var leaving = cluster.SecondarySilos[0];
            var address = leaving.SiloAddress.ToParsableString();
            var directory = cluster.Client.GetGrain<IDeviceDirectoryGrain>(0);
            var device = (await WaitForAsync(directory.GetDevicesAsync, d => d.Any(k => DeviceKey.Parse(k).SiloAddress == address))).First(k => DeviceKey.Parse(k).SiloAddress == address);

            // <cls> A L K <eos>: one short sequence for the demo model.
            var batch = new DeviceBatch("drain", model, [0, 5, 4, 15, 2], [1, 1, 1, 1, 1], 1, 5);
            var running = cluster.Client.GetGrain<IDeviceGrain>(device).RunAsync(batch);
            await GatedBackendFactory.Entered.WaitAsync(Bound);

            // A batch already waiting in the device's queue when the silo starts leaving: it must not hold the stop.
            var queued = cluster.Client.GetGrain<IDeviceGrain>(device).RunAsync(batch);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            var stopping = cluster.StopSiloAsync(leaving);

            // The devices leave the directory while the batch still runs, so new shards never pick them.
            await WaitForAsync(directory.GetDevicesAsync, d => d.All(k => DeviceKey.Parse(k).SiloAddress != address));

            // The staying silo's own list drops them too while the leaving silo is still an active member (the
            // directory's version changed), so its shards stop picking them within a poll.
            await DeviceListCacheTests.WaitForAsync(DeviceListCacheTests.Of(cluster.Primary), d => d.All(k => DeviceKey.Parse(k).SiloAddress != address), TimeSpan.FromSeconds(10), "the leaving silo's devices gone");
            Assert.False(running.IsCompleted);

            // A batch sent now is refused at once, not failed as a device error: shards move such a batch to another device.
            var late = cluster.Client.GetGrain<IDeviceGrain>(device).RunAsync(batch);
            var refusedAtOnce = await Assert.ThrowsAnyAsync<Exception>(() => late.WaitAsync(Bound));
            Assert.IsNotType<DeviceFailedException>(refusedAtOnce);
            Assert.Contains("is leaving with its silo", refusedAtOnce.Message, StringComparison.Ordinal);
            Assert.False(running.IsCompleted);
            Assert.False(stopping.IsCompleted, "the silo stopped before the batch it was running had finished");

            GatedBackendFactory.Open();
            var result = await running.WaitAsync(Bound);
            Assert.Equal(1, result.Outputs.Pooled.Length / result.Outputs.HiddenSize);
            Assert.All(result.Outputs.Pooled, v => Assert.True(float.IsFinite(v)));
            // The queued batch never started: refused the same way once the running one is done.
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => queued.WaitAsync(Bound));
            Assert.IsNotType<DeviceFailedException>(refused);
            Assert.Contains("is leaving with its silo", refused.Message, StringComparison.Ordinal);
            await stopping.WaitAsync(Bound);
        }
        finally
        {
            GatedBackendFactory.Open();
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task<IReadOnlyList<string>> WaitForAsync(Func<Task<IReadOnlyList<string>>> read, Func<IReadOnlyList<string>, bool> done)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the device directory did not reach the expected state within 60 s");
            await Task.Delay(100);
        }
    }
}
