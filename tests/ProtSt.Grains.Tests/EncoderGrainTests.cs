using ProtSt.Grains.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>The way in for online callers: a few sequences through the batch router and the devices, no job.</summary>
[Collection(SharedCluster.Name)]
public sealed class EncoderGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Sequences_come_back_in_order_equal_to_a_bare_session_with_repeats_computed_alike_and_invalid_ones_named()
    {
        var random = new Random(31);
        var sequences = Enumerable.Range(0, 9)
            .Select(_ => RandomProteins.Sequence(random, 20, 400))
            .ToList();
        sequences.Add(sequences[3]);
        sequences.Insert(5, "MKT*AYIAK");

        var result = await fixture.Cluster.Client.GetGrain<IEncoderGrain>(0).EncodeAsync(new EncodeRequest(fixture.ModelDirectory, sequences));

        Assert.Equal(sequences.Count, result.Sequences.Count);
        var invalid = result.Sequences[5];
        Assert.Null(invalid.Embedding);
        Assert.False(string.IsNullOrEmpty(invalid.Error));

        var valid = Enumerable.Range(0, sequences.Count).Where(i => i != 5).ToList();
        var reference = ReferenceEmbeddings.Compute(fixture.ModelDirectory, [.. valid.Select(i => new SequenceRecord($"S{i}", sequences[i], "test", i + 1))]);
        for (var k = 0; k < valid.Count; k++)
        {
            var sequence = result.Sequences[valid[k]];
            Assert.Null(sequence.Error);
            Assert.Equal(sequences[valid[k]].Length, sequence.Length);
            ReferenceEmbeddings.AssertClose(reference[k], sequence.Embedding, $"S{valid[k]}");
        }

        Assert.Equal(result.Sequences[3].Embedding, result.Sequences[^1].Embedding);
    }
}
