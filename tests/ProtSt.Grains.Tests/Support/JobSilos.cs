using Orleans.TestingHost;

namespace ProtSt.Grains.Tests.Support;

/// <summary>Which silo a test may take away under a running job.</summary>
public static class JobSilos
{
    /// <summary>
    /// A secondary silo that hosts neither the job's coordinator nor its aggregator: in-process clusters keep jobs in
    /// memory grain storage, which a killed silo may take with it, where production keeps them in Redis.
    /// </summary>
    public static async Task<SiloHandle> VictimAsync(TestCluster cluster, string jobId)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var coordinator = await management.GetActivationAddress(cluster.Client.GetGrain<IJobCoordinatorGrain>(jobId));
        var aggregator = await management.GetActivationAddress(cluster.Client.GetGrain<IJobFiguresAggregatorGrain>(jobId));
        return cluster.SecondarySilos.FirstOrDefault(s => !s.SiloAddress.Equals(coordinator) && !s.SiloAddress.Equals(aggregator))
            ?? cluster.SecondarySilos.FirstOrDefault(s => !s.SiloAddress.Equals(coordinator))
            ?? cluster.SecondarySilos[0];
    }
}
