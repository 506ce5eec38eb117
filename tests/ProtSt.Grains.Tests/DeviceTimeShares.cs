namespace ProtSt.Grains.Tests;

/// <summary>
/// Tests that measure shares of device time run alone, after the others: in the full suite the classes run in parallel,
/// and a host busy with another class's cluster starves the measured jobs' shards (a weighted share of 60% instead of
/// the 73-78% measured alone, with the devices fully busy on the other job's queued batches).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeviceTimeShares
{
    public const string Name = "device time shares";
}
