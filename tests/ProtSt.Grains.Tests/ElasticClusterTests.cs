using ProtSt.Grains.Jobs;
using ProtSt.Grains.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

public sealed class ElasticClusterTests
{
    [Fact]
    public Task A_job_survives_silos_killed_and_added_under_it_with_every_row_exactly_once() => SurviveAsync(graceful: false);

    [Fact]
    public Task A_job_survives_silos_stopped_and_added_under_it_with_every_row_exactly_once() => SurviveAsync(graceful: true);

    private static async Task SurviveAsync(bool graceful)
    {
        var model = SharedModels.Demo();
        var records = OwnCluster.Proteome(1500, seed: 11);
        var cluster = await OwnCluster.StartAsync<SlowBackendFactory>(3);
        try
        {
            var rows = new List<ShardRow>();

            // Small batches: many device calls, so silos die with batches in flight on them.
            var options = new ScreenOptions { ShardSize = 64, MaxShardsInFlight = 4, MaxTokensPerBatch = 1024 };
            var driver = new JobDriver(cluster.Client, options);
            var job = driver.RunAsync("elastic", model, records.ToAsyncEnumerable(), row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            }, CancellationToken.None);

            var added = new List<string>();
            foreach (var threshold in new[] { 150, 500, 850 })
            {
                // Bounded: the job is far from done at each threshold (rows of finished shards), but must reach it within the wait.
                await JobDriver.WaitForRowsAsync(cluster.Client, "elastic", threshold, job, TimeSpan.FromMinutes(2));
                Assert.False(job.IsCompleted, $"the job ended before {threshold} rows; it cannot test a kill");

                // Not the coordinator's or the aggregator's silo: the silos keep jobs in memory storage here, not Redis;
                // the coordinator's own shard retry (a fresh shard grain elsewhere, its silo watched) is what is tested.
                var victim = await JobSilos.VictimAsync(cluster, "elastic");
                // Graceful: the silo stops as on SIGTERM (deactivating its grains); otherwise it is killed outright.
                await (graceful ? cluster.StopSiloAsync(victim) : cluster.KillSiloAsync(victim));
                var fresh = await cluster.StartAdditionalSiloAsync();
                added.Add(fresh.SiloAddress.ToParsableString());
            }

            var snapshot = await job.WaitAsync(TimeSpan.FromMinutes(8));
            Assert.Equal(records.Select(r => r.Id), rows.Select(r => r.Id));
            Assert.All(rows, r => Assert.Null(r.Error ?? r.DeviceError));
            Assert.True(snapshot.Completed);

            // The silos that joined mid-job and are still up got work; the last one joined with over a third of the job left.
            var alive = cluster.Silos.Select(s => s.SiloAddress.ToParsableString()).ToHashSet();
            Assert.Contains(added[^1], alive);
            foreach (var silo in added.Where(alive.Contains))
            {
                var batches = 0L;
                for (var device = 0; device < 2; device++)
                {
                    batches += (await cluster.Client.GetGrain<IDeviceGrain>(DeviceKey.Create(silo, device)).GetStatsAsync()).Batches;
                }

                Assert.True(batches > 0, $"silo {silo}, added mid-job, computed nothing");
            }

            var reference = ReferenceEmbeddings.Compute(model, records);
            for (var i = 0; i < records.Count; i++)
            {
                ReferenceEmbeddings.AssertClose(reference[i], rows[i].Embedding, records[i].Id);
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
