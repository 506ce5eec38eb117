using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Folders;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>The scale benchmark's failure scenario in small: simulated devices that fail batches, and a silo killed mid-job.</summary>
public sealed class SimulatedScaleOutTests
{
    private const int Width = 32;

    [Fact]
    public async Task Simulated_devices_failing_batches_and_a_silo_killed_halfway_lose_nothing_and_write_every_id_once()
    {
        using var scratch = new TempDirectory();

        // The shards read the tokenizer from a model folder; the simulated devices never open it.
        var model = SharedModels.Demo();
        var tokenizer = ModelFolder.Open(model, verifyHashes: false).CreateTokenizer();
        var records = OwnCluster.Proteome(2400, seed: 21);

        // 10% of batches fail (the benchmark uses 1% on a larger job): enough failures and splits in a job of seconds.
        // 40 µs per padded token: about 3 s of device time per device at the start, so the kill lands mid-job.
        var cluster = await OwnCluster.StartSimulatedAsync(3, new SimulatedDeviceOptions
        {
            MicrosecondsPerPaddedToken = 40,
            EmbeddingWidth = Width,
            FailureRate = 0.1,
            Seed = 3,
        });
        try
        {
            var output = scratch.Combine("out");
            var rows = new List<ShardRow>();
            var snapshot = await WithWriterAsync(output, async writer =>
            {
                var driver = new JobDriver(cluster.Client, new ScreenOptions { ShardSize = 64, MaxShardsInFlight = 8, MaxTokensPerBatch = 1024 });
                var job = driver.RunAsync("simulated", model, records.ToAsyncEnumerable(), async row =>
                {
                    rows.Add(row);
                    await (row.DeviceError is { } error
                        ? writer.WriteFailureAsync(row.Id, row.Length, error, CancellationToken.None)
                        : writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, CancellationToken.None));
                }, CancellationToken.None);

                await JobDriver.WaitForRowsAsync(cluster.Client, "simulated", records.Count / 2, job, TimeSpan.FromMinutes(2));
                Assert.False(job.IsCompleted, "the job ended before half its rows; it cannot test a kill");

                // Not the coordinator's or the aggregator's silo: the silos keep jobs in memory storage here, not Redis.
                await cluster.KillSiloAsync(await JobSilos.VictimAsync(cluster, "simulated"));
                return await job.WaitAsync(TimeSpan.FromMinutes(3));
            });

            // Every id once, in input order; a record failed on the devices carries the simulated error and no embedding.
            Assert.Equal(records.Select(r => r.Id), rows.Select(r => r.Id));
            var failed = rows.Where(r => r.DeviceError is not null).ToList();
            Assert.All(failed, r =>
            {
                Assert.Null(r.Embedding);
                Assert.Contains("simulated device failure", r.DeviceError, StringComparison.Ordinal);
            });
            Assert.Equal(failed.Count, snapshot.FailedRows);
            for (var i = 0; i < records.Count; i++)
            {
                if (rows[i].DeviceError is null)
                {
                    Assert.Equal(SimulatedEmbedding.Of(tokenizer.Encode(records[i].Sequence).Ids, Width), rows[i].Embedding);
                }
            }

            // The writer's files: the embeddings and the failures together hold every id exactly once.
            var written = await EmbeddingParquetReader.ReadAllAsync(Path.Combine(output, ScreenResultWriter.EmbeddingsFile), CancellationToken.None);
            var failures = File.ReadAllLines(Path.Combine(output, ScreenResultWriter.FailuresFile)).Skip(1).Select(l => l.Split('\t')[0]).ToList();
            Assert.Equal(failed.Select(r => r.Id), failures);
            Assert.Equal(records.Select(r => r.Id).Order(StringComparer.Ordinal), written.Select(w => w.Id).Concat(failures).Order(StringComparer.Ordinal));

            // Failures were injected (and survived by splitting), on the devices still alive to say so.
            long deviceFailures = 0;
            foreach (var silo in cluster.Silos)
            {
                for (var device = 0; device < 2; device++)
                {
                    deviceFailures += (await cluster.Client.GetGrain<IDeviceGrain>(DeviceKey.Create(silo.SiloAddress.ToParsableString(), device)).GetStatsAsync()).Failures;
                }
            }

            Assert.True(deviceFailures > 0, "no batch failed: the failure rate was not applied");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task<JobSnapshot> WithWriterAsync(string directory, Func<ScreenResultWriter, Task<JobSnapshot>> run)
    {
        await using var writer = new ScreenResultWriter(directory);
        return await run(writer);
    }
}
