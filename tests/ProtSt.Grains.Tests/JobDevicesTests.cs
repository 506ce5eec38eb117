using ProtSt.Grains.Inference;

namespace ProtSt.Grains.Tests;

/// <summary>The devices a job held to <c>--max-devices</c> uses: the same in every shard, stable as devices come and go.</summary>
public sealed class JobDevicesTests
{
    private static readonly List<string> Devices = Enumerable.Range(0, 8).Select(i => $"S{i / 2}#{i % 2}").ToList();

    [Fact]
    public void Every_shard_picks_the_same_devices_whatever_order_the_directory_lists_them_in()
    {
        var chosen = JobDevices.Choose("screen-a", Devices, 3);
        Assert.Equal(3, chosen.Count);
        Assert.Equal(chosen, JobDevices.Choose("screen-a", Enumerable.Reverse(Devices), 3));
        Assert.Equal(Devices, JobDevices.Choose("screen-a", Devices, 0));
    }

    [Fact]
    public void A_device_that_leaves_is_replaced_and_the_others_stay()
    {
        var chosen = JobDevices.Choose("screen-a", Devices, 3);
        var after = JobDevices.Choose("screen-a", Devices.Where(d => d != chosen[1]), 3);
        Assert.Equal(2, after.Intersect(chosen).Count());
        Assert.DoesNotContain(chosen[1], after);

        // One joining takes at most one place.
        Assert.True(JobDevices.Choose("screen-a", Devices.Append("S9#0"), 3).Intersect(chosen).Count() >= 2);
    }

    [Fact]
    public void Jobs_held_to_one_device_spread_over_the_cluster()
    {
        var used = Enumerable.Range(0, 200).Select(i => JobDevices.Choose($"screen-{i}", Devices, 1).Single()).ToHashSet();
        Assert.Equal(Devices.Count, used.Count);
        Assert.Equal(3, JobDevices.Count(3, 0));
        Assert.Equal(2, JobDevices.Count(3, 2));
        Assert.Equal(3, JobDevices.Count(3, 5));
    }
}
