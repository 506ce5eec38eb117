using Orleans.TestingHost;
using ProtSt.Cli.Tests;
using ProtSt.Grains.Hosting;

namespace ProtSt.Grains.Tests;

/// <summary>A job's progress in Redis grain storage outlives every silo of the cluster that stored it.</summary>
public sealed class JobProgressStorageTests
{
    private const string RedisKey = "ProtStRedis";

    [Fact]
    public async Task Progress_stored_in_redis_survives_a_restart_of_the_whole_cluster_and_never_goes_back()
    {
        var port = LoopbackPorts.Free();
        using var redis = Processes.Start("redis-server", "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        try
        {
            var connection = $"127.0.0.1:{port}";
            var serviceId = $"progress-{Guid.NewGuid():N}";
            var saved = new JobProgress("screen-1", "/data/in.fasta", "client-host", "/data/out", 500, 498, 2, false, DateTimeOffset.UtcNow);

            var first = await StartAsync(connection, serviceId);
            try
            {
                var grain = first.Client.GetGrain<IJobProgressGrain>("screen-1");
                await grain.SaveAsync(saved);

                // A late call from a run that died (fewer records) does not move the record back.
                await grain.SaveAsync(saved with { Records = 300, Rows = 300 });
                Assert.Equal(saved, await grain.GetAsync());
            }
            finally
            {
                await first.StopAllSilosAsync();
                await first.DisposeAsync();
            }

            var second = await StartAsync(connection, serviceId);
            try
            {
                Assert.Equal(saved, await second.Client.GetGrain<IJobProgressGrain>("screen-1").GetAsync());
                Assert.Null(await second.Client.GetGrain<IJobProgressGrain>("screen-2").GetAsync());
            }
            finally
            {
                await second.StopAllSilosAsync();
                await second.DisposeAsync();
            }
        }
        finally
        {
            await Processes.StopAsync([redis]);
        }
    }

    private static async Task<TestCluster> StartAsync(string redis, string serviceId)
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        builder.Properties[RedisKey] = redis;
        builder.AddSiloBuilderConfigurator<RedisStorageSilo>();
        var cluster = builder.Build();

        // redis-server may still be opening its port; the silo's storage connects at start.
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

    private sealed class RedisStorageSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddProtSt(redis: siloBuilder.Configuration[RedisKey]);
    }
}
