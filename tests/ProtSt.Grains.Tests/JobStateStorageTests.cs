using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>A submitted job's state in Redis grain storage outlives every silo of the cluster that ran it.</summary>
public sealed class JobStateStorageTests
{
    private const string RedisKey = "ProtStRedis";

    [Fact]
    public async Task A_job_and_the_job_index_stored_in_redis_survive_a_restart_of_the_whole_cluster()
    {
        using var scratch = new TempDirectory();
        var model = SharedModels.Demo();
        var input = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, 50).Select(i => $">Q{i}\nMKVLAAGICDE{new string('L', i % 7 + 5)}\n")));
        var spec = new JobSpec("screen", input, scratch.Combine("out"), model, null, null, false, LabelSet.DefaultTemplate, true, false, OutputLayout.Assembled, 16, 4096, 256, 2);
        var port = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(port);
        try
        {
            var connection = $"127.0.0.1:{port}";
            var serviceId = $"jobs-{Guid.NewGuid():N}";
            JobStatus done;
            var first = await StartAsync(connection, serviceId);
            try
            {
                var job = first.Client.GetGrain<IJobCoordinatorGrain>("screen-1");
                Assert.Equal(JobPhase.Planning, (await job.SubmitAsync(spec)).Phase);
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (!(done = (await job.GetStatusAsync())!).Final)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the job did not end within 2 minutes");
                    await Task.Delay(100);
                }

                Assert.Equal(JobPhase.Completed, done.Phase);
                Assert.Equal(50, done.Rows);
                Assert.Equal(4, done.Shards);
            }
            finally
            {
                await first.StopAllSilosAsync();
                await first.DisposeAsync();
            }

            var second = await StartAsync(connection, serviceId);
            try
            {
                var again = (await second.Client.GetGrain<IJobCoordinatorGrain>("screen-1").GetStatusAsync())!;
                Assert.Equal((done.Phase, done.Rows, done.ShardsDone, done.Spec), (again.Phase, again.Rows, again.ShardsDone, again.Spec));
                Assert.Null(await second.Client.GetGrain<IJobCoordinatorGrain>("screen-2").GetStatusAsync());
                Assert.Equal(["screen-1"], await second.Client.GetGrain<IJobIndexGrain>(0).ListAsync());
                Assert.Empty(await second.Client.GetGrain<IJobIndexGrain>(0).UnfinishedAsync());
            }
            finally
            {
                await second.StopAllSilosAsync();
                await second.DisposeAsync();
            }

            Assert.Equal(51, (await File.ReadAllLinesAsync(scratch.Combine("out", ScreenResultWriter.ResultsFile))).Length);
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
        return await RedisTestCluster.DeployAsync(builder);
    }

    private sealed class RedisStorageSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddProtSt(o => o.Count = 1, redis: siloBuilder.Configuration[RedisKey]);
    }
}
