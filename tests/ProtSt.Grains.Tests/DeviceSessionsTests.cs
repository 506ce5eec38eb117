using System.Collections.Concurrent;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests;

/// <summary>A device keeps the sessions of its last <c>Devices:ModelsPerDevice</c> models, closing the least recently used.</summary>
public sealed class DeviceSessionsTests
{
    [Fact]
    public async Task Two_models_taking_turns_on_a_device_that_keeps_two_open_each_once_and_a_third_closes_the_least_recent()
    {
        var cluster = await OwnCluster.StartConfiguredAsync<CountingBackendFactory>(1, new Dictionary<string, string?>
        {
            ["Devices:Count"] = "1",
            ["Devices:ModelsPerDevice"] = "2",
        });
        try
        {
            var device = cluster.Client.GetGrain<IDeviceGrain>(DeviceKey.Create(cluster.Silos[0].SiloAddress.ToParsableString(), 0));
            foreach (var model in new[] { "/models/a", "/models/b", "/models/a", "/models/b", "/models/c", "/models/b", "/models/a" })
            {
                await device.PreloadAsync(model);
            }

            // Switching between a and b opens nothing after the first time; c closes a (the least recent), and a back closes c.
            Assert.Equal(
                ["open /models/a", "open /models/b", "close /models/a", "open /models/c", "close /models/c", "open /models/a"],
                CountingBackendFactory.Events);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Records each backend opened and closed; it computes nothing.</summary>
    private sealed class CountingBackendFactory : IDeviceBackendFactory
    {
        public static ConcurrentQueue<string> Events { get; } = new();

        public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options)
        {
            Events.Enqueue($"open {modelDirectory}");
            return new Backend(modelDirectory);
        }

        private sealed class Backend(string modelDirectory) : IDeviceBackend
        {
            public string ModelDirectory => modelDirectory;

            public ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken) => throw new NotSupportedException();

            public ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Dispose() => Events.Enqueue($"close {modelDirectory}");
        }
    }
}
