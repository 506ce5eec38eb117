using Orleans.Concurrency;

namespace ProtSt.Grains.Hosting;

/// <summary>A stateless worker, so it runs on the gateway silo a client's call reaches.</summary>
[StatelessWorker]
internal sealed class ClusterPingGrain : Grain, IClusterPingGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
