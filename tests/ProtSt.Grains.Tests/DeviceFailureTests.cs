using ProtSt.Grains.Jobs;
using ProtSt.Grains.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

public sealed class DeviceFailureTests
{
    [Fact]
    public async Task Failing_batches_are_split_and_a_sequence_failing_alone_is_reported_with_its_error()
    {
        var model = SharedModels.Demo();
        var records = OwnCluster.Proteome(300, seed: 5);
        var poisoned = new[] { 7, 80, 81, 199 };
        foreach (var i in poisoned)
        {
            records[i] = records[i] with { Sequence = new string('M', FaultyBackendFactory.PoisonResidues - 1) + records[i].Sequence[0] };
        }

        // Two poison records share a sequence: the repeat takes the first one's error, computed once.
        records[250] = records[250] with { Sequence = records[7].Sequence };
        var cluster = await OwnCluster.StartAsync<FaultyBackendFactory>(2);
        try
        {
            var rows = new List<ShardRow>();
            var driver = new JobDriver(cluster.Client, new ScreenOptions { ShardSize = 64, MaxShardsInFlight = 4 });
            var snapshot = await driver.RunAsync("faults", model, records.ToAsyncEnumerable(), row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            }, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));

            Assert.Equal(records.Select(r => r.Id), rows.Select(r => r.Id));
            var failed = rows.Select((r, i) => (r, i)).Where(x => x.r.DeviceError is not null).Select(x => x.i).ToList();
            Assert.Equal([.. poisoned, 250], failed);
            Assert.All(failed, i =>
            {
                Assert.Null(rows[i].Embedding);
                Assert.Null(rows[i].Error);
                Assert.Contains("injected: ONNX Runtime error", rows[i].DeviceError, StringComparison.Ordinal);
            });
            Assert.Equal(failed.Count, snapshot.FailedRows);

            var reference = ReferenceEmbeddings.Compute(model, records);
            foreach (var i in Enumerable.Range(0, records.Count).Except(failed))
            {
                Assert.Null(rows[i].DeviceError);
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
