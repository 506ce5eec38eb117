using Orleans.TestingHost;

namespace ProtSt.Grains.Tests.Support;

/// <summary>Test clusters whose silos keep jobs in a redis-server the test started.</summary>
public static class RedisTestCluster
{
    /// <summary>Builds and deploys <paramref name="builder"/>'s cluster, building it again while redis-server is still opening its port (the silos' storage connects at start).</summary>
    public static async Task<TestCluster> DeployAsync(TestClusterBuilder builder)
    {
        var cluster = builder.Build();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await cluster.DeployAsync();
                return cluster;
            }
            catch (Exception) when (attempt < 5)
            {
                await cluster.DisposeAsync();
                cluster = builder.Build();
                await Task.Delay(500);
            }
        }
    }
}
