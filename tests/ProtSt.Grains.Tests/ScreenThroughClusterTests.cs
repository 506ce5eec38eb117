using ProtSt.Grains.Jobs;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

[Collection(SharedCluster.Name)]
public sealed class ScreenThroughClusterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_record_gets_exactly_one_row_equal_to_the_bare_session()
    {
        // 500 records of 30-1,500 residues (some truncated at 1,022) in 11 shards keep all six devices busy; more add only compute.
        const int Records = 500;
        var random = new Random(2026);
        var records = new List<SequenceRecord>();
        for (var i = 0; i < Records; i++)
        {
            // 10% exact duplicates of an earlier sequence under a new id.
            var sequence = i > 0 && i % 10 == 0
                ? records[random.Next(i)].Sequence
                : RandomProteins.Sequence(random, 30, 1501);
            records.Add(new SequenceRecord($"P{i:D5}", sequence, "synthetic", i + 1));
        }

        var rows = new List<ShardRow>();
        var driver = new JobDriver(fixture.Cluster.Client, new ScreenOptions { ShardSize = 48, MaxShardsInFlight = 6 });
        var snapshot = await driver.RunAsync("job-500", fixture.ModelDirectory, records.ToAsyncEnumerable(), row =>
        {
            rows.Add(row);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(records.Select(r => r.Id), rows.Select(r => r.Id));
        Assert.All(rows, r => Assert.Null(r.Error));
        Assert.Equal(Records, snapshot.Rows);
        Assert.True(snapshot.Completed);

        // Each distinct sequence is computed once, and the aggregator counted exactly that work.
        using var session = EncoderSession.Open(fixture.ModelDirectory, new InferenceOptions { IntraOpThreads = 1 });
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = records.Select(r => tokenizer.Encode(r.Sequence)).ToList();
        var firsts = records.Select((r, i) => (r.Sequence, i)).DistinctBy(x => x.Sequence).Select(x => x.i).ToList();
        Assert.Equal(Records * 9 / 10, firsts.Count, tolerance: 10);
        Assert.Equal(firsts.Count, snapshot.SequencesComputed);
        Assert.Equal(firsts.Sum(i => (long)encoded[i].ResidueCount), snapshot.Residues);
        Assert.Equal(6, snapshot.Devices.Count);
        Assert.Equal(snapshot.SequencesComputed, snapshot.Devices.Sum(d => d.Sequences));
        Assert.All(snapshot.Devices, d => Assert.True(d.Sequences > 0, $"{d.DeviceKey} did no work"));
        Assert.All(snapshot.Devices, d => Assert.Equal("CPU", d.Accelerator));

        var planner = new TokenBudgetBatchPlanner(new BatchPlannerOptions());
        foreach (var batch in planner.Plan(encoded.Select(e => e.Length).ToList()))
        {
            var output = session.Run(EncodedBatch.Create(batch.Indices.Select(i => encoded[i]).ToList(), tokenizer.PadId));
            for (var row = 0; row < batch.Indices.Count; row++)
            {
                var index = batch.Indices[row];
                Assert.Equal(encoded[index].Truncated, rows[index].Truncated);
                Assert.Equal(records[index].Sequence.Length, rows[index].Length);
                var expected = output.PooledOf(row);
                var actual = rows[index].Embedding!;
                var diff = 0.0;
                for (var j = 0; j < expected.Length; j++)
                {
                    diff = Math.Max(diff, Math.Abs(expected[j] - actual[j]));
                }

                Assert.True(diff <= 1e-5, $"{records[index].Id}: max |diff| {diff}");
            }
        }
    }
}
