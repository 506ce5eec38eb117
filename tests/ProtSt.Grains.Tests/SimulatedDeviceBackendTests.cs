using ProtSt.Grains.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests;

public sealed class SimulatedDeviceBackendTests
{
    private static readonly EsmTokenizer Tokenizer = new(EsmTokenizer.StandardVocabulary, 1022);

    [Fact]
    public async Task A_sequence_gets_the_same_embedding_whatever_batch_it_is_in_and_other_sequences_differ()
    {
        var factory = new SimulatedDeviceBackendFactory();
        using var device = factory.Open("/nowhere", "silo#0", Options(microseconds: 0, width: 16));
        var alone = await device.RunAsync(Batch("MKTAYIAK"), OutputRequest.Default, CancellationToken.None);
        var padded = await device.RunAsync(Batch("MKVLAAGGWWPPLLKK", "MKTAYIAK"), OutputRequest.Default, CancellationToken.None);

        Assert.Equal(16, alone.HiddenSize);
        Assert.Equal(alone.Pooled, padded.Pooled[16..]);
        Assert.NotEqual(padded.Pooled[..16], padded.Pooled[16..]);
        Assert.Equal(SimulatedEmbedding.Of(Tokenizer.Encode("MKTAYIAK").Ids, 16), alone.Pooled);
        Assert.All(padded.Pooled, v => Assert.InRange(v, -1f, 1f));
        Assert.Null(alone.Head);
    }

    [Fact]
    public async Task A_batch_takes_at_least_the_configured_time_per_padded_token_and_the_factory_records_it()
    {
        var factory = new SimulatedDeviceBackendFactory();
        using var device = factory.Open("/nowhere", "silo#0", Options(microseconds: 100, width: 8, overheadMs: 5));

        // 2 rows padded to 12 tokens (10 residues + <cls> + <eos>): 24 padded tokens, 12 + 5 real.
        var batch = Batch("MKTAYIAKQR", "MKV");
        var started = TimeProvider.System.GetTimestamp();
        await device.RunAsync(batch, OutputRequest.Default, CancellationToken.None);
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        var expected = TimeSpan.FromMilliseconds(5) + TimeSpan.FromMicroseconds(100 * 24);
        var activity = Assert.Single(factory.Activity());
        Assert.Equal(expected, activity.Scheduled);
        Assert.Equal((1L, 0L, 24L, 17L), (activity.Batches, activity.FailedBatches, activity.PaddedTokens, activity.RealTokens));
        Assert.True(activity.Busy >= expected - TimeSpan.FromMilliseconds(1), $"busy {activity.Busy} for {expected} scheduled");
        Assert.True(elapsed >= activity.Busy, $"{elapsed} elapsed, {activity.Busy} busy");
        Assert.True(activity.LastEnd > activity.FirstStart);

        factory.Reset();
        Assert.Equal(0, Assert.Single(factory.Activity()).Batches);
    }

    [Fact]
    public async Task The_failure_rate_fails_that_share_of_batches_as_device_errors_reproducibly_for_a_seed()
    {
        async Task<List<bool>> RunAsync()
        {
            var factory = new SimulatedDeviceBackendFactory();
            using var device = factory.Open("/nowhere", "silo#1", Options(microseconds: 0, width: 4, failureRate: 0.3, seed: 7));
            var outcomes = new List<bool>();
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    await device.RunAsync(Batch("MKTAYIAK"), OutputRequest.Default, CancellationToken.None);
                    outcomes.Add(true);
                }
                catch (InvalidOperationException e)
                {
                    Assert.Contains("simulated device failure", e.Message, StringComparison.Ordinal);
                    outcomes.Add(false);
                }
            }

            var activity = Assert.Single(factory.Activity());
            Assert.Equal(outcomes.Count(ok => !ok), activity.FailedBatches);
            return outcomes;
        }

        var first = await RunAsync();
        var failed = first.Count(ok => !ok);

        // 200 draws at 0.3: the mean is 60, the standard deviation 6.5.
        Assert.InRange(failed, 30, 90);
        Assert.Equal(first, await RunAsync());
    }

    [Theory]
    [InlineData(1.0, 8, 20.0)]
    [InlineData(-0.1, 8, 20.0)]
    [InlineData(0.0, 0, 20.0)]
    [InlineData(0.0, 8, -1.0)]
    public void Settings_out_of_range_are_refused_when_a_device_opens(double failureRate, int width, double microseconds)
    {
        var factory = new SimulatedDeviceBackendFactory();
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.Open("/nowhere", "silo#0", Options(microseconds, width, failureRate: failureRate)));
    }

    private static EncodedBatch Batch(params string[] sequences) =>
        EncodedBatch.Create(sequences.Select(Tokenizer.Encode).ToList(), Tokenizer.PadId);

    private static DeviceOptions Options(double microseconds, int width, double overheadMs = 0, double failureRate = 0, int seed = 0) => new()
    {
        Backend = DeviceBackendKind.Simulated,
        Simulated = new SimulatedDeviceOptions
        {
            MicrosecondsPerPaddedToken = microseconds,
            BatchOverheadMilliseconds = overheadMs,
            EmbeddingWidth = width,
            FailureRate = failureRate,
            Seed = seed,
        },
    };
}
