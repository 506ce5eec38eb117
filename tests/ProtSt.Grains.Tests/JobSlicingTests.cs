using System.Collections.Concurrent;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests;

/// <summary>
/// While online work is about, a device runs a job batch in slices of <c>Serving:JobSliceTokens</c> and serves the
/// online batches that came meanwhile between them; idle, the batch runs whole. Either way the job gets the same rows.
/// </summary>
public sealed class JobSlicingTests
{
    private const string Model = "/models/sliced";
    private static readonly EsmTokenizer Tokenizer = new(EsmTokenizer.StandardVocabulary, 1022);

    [Fact]
    public async Task An_online_batch_sent_during_a_job_batch_runs_before_its_last_slice_and_the_job_gets_the_unsliced_rows()
    {
        var job = Batch(["MKTAYIAKQR", "MKV", "ACDEFGHIK", "MKTAYIAK", "WWW", "MKTAYIAKQRQ"]);
        var length = job.SequenceLength;
        var cluster = await OwnCluster.StartConfiguredAsync<RecordingBackendFactory>(1, new Dictionary<string, string?>
        {
            ["Devices:Count"] = "1",
            ["Devices:Backend"] = "Simulated",
            ["Devices:Simulated:MicrosecondsPerPaddedToken"] = "0",
            ["Devices:Simulated:EmbeddingWidth"] = "8",

            // Two rows of the job's length per slice: three slices.
            ["Serving:JobSliceTokens"] = (2 * length).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        try
        {
            var device = cluster.Client.GetGrain<IDeviceGrain>(DeviceKey.Create(cluster.Silos[0].SiloAddress.ToParsableString(), 0));

            // No online work yet: the job batch runs whole.
            var whole = await device.RunAsync(JobBatch(job, online: false));
            Assert.Equal([6], RecordingBackendFactory.Take());

            await device.RunAsync(JobBatch(Batch(["MKV"]), online: true));
            Assert.Equal([1], RecordingBackendFactory.Take());

            // Online work was just here: the job batch's first slice is caught at the gate, an online batch arrives.
            RecordingBackendFactory.Close();
            var sliced = device.RunAsync(JobBatch(job, online: false));
            await RecordingBackendFactory.Entered.WaitAsync(TimeSpan.FromSeconds(30));
            var online = device.RunAsync(JobBatch(Batch(["ACDE"]), online: true));
            await WaitAsync(async () => (await device.GetStatsAsync()).OnlineWaiting == 1);
            RecordingBackendFactory.Open();
            await Task.WhenAll(sliced, online).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal([2, 1, 2, 2], RecordingBackendFactory.Take());
            Assert.Equal(whole.Outputs.BatchSize, (await sliced).Outputs.BatchSize);
            Assert.Equal(whole.Outputs.Pooled.AsSpan(0, 6 * 8).ToArray(), (await sliced).Outputs.Pooled);
            Assert.Equal(0, (await device.GetStatsAsync()).Waiting);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static EncodedBatch Batch(string[] sequences) => EncodedBatch.Create([.. sequences.Select(Tokenizer.Encode)], Tokenizer.PadId);

    private static DeviceBatch JobBatch(EncodedBatch batch, bool online) =>
        new(online ? "online" : "job", Model, batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength, 1, null, online);

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the online batch did not reach the device's queue in time");
            await Task.Delay(10);
        }
    }

    /// <summary>Simulated devices that record each run's rows and can hold runs at a gate.</summary>
    private sealed class RecordingBackendFactory : IDeviceBackendFactory
    {
        private static readonly ConcurrentQueue<int> Runs = new();
        private static TaskCompletionSource _entered = Signal();
        private static TaskCompletionSource _gate = Opened();
        private readonly SimulatedDeviceBackendFactory _inner = new();

        public static Task Entered => _entered.Task;

        public static void Close() => (_entered, _gate) = (Signal(), Signal());

        public static void Open() => _gate.TrySetResult();

        public static int[] Take()
        {
            var taken = new List<int>();
            while (Runs.TryDequeue(out var rows))
            {
                taken.Add(rows);
            }

            return [.. taken];
        }

        public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options) =>
            new Backend(_inner.Open(modelDirectory, deviceKey, options));

        private static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        private static TaskCompletionSource Opened()
        {
            var opened = Signal();
            opened.SetResult();
            return opened;
        }

        private sealed class Backend(IDeviceBackend inner) : IDeviceBackend
        {
            public string ModelDirectory => inner.ModelDirectory;

            public async ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken)
            {
                _entered.TrySetResult();
                await _gate.Task.WaitAsync(cancellationToken);
                Runs.Enqueue(batch.BatchSize);
                return await inner.RunAsync(batch, outputs, cancellationToken);
            }

            public ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken) =>
                inner.EmbedTextAsync(prompts, cancellationToken);

            public void Dispose() => inner.Dispose();
        }
    }
}
