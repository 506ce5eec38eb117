using System.Collections.Concurrent;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Tests.Support;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests;

/// <summary>Every device of a silo opens its sessions with the one Inference section, on its own GPU (CUDA) or share of the cores (CPU).</summary>
public sealed class DeviceAcceleratorTests
{
    [Fact]
    public async Task Device_i_of_each_silo_runs_on_gpu_i_with_the_configured_session_settings()
    {
        var opened = await OpenEveryDeviceAsync(new Dictionary<string, string?>
        {
            ["Inference:ExecutionProvider"] = "Cuda",
            ["Inference:IntraOpThreads"] = "3",
            ["Devices:Count"] = "3",
        });

        Assert.Equal(6, opened.Count);
        foreach (var (key, options) in opened)
        {
            var index = DeviceKey.Parse(key).Index;
            Assert.Equal(ExecutionProvider.Cuda, options.ExecutionProvider);
            Assert.Equal(index, options.DeviceId);
            Assert.Equal(3, options.IntraOpThreads);
        }
    }

    [Fact]
    public async Task Gpu_ids_pick_each_devices_gpu()
    {
        var opened = await OpenEveryDeviceAsync(new Dictionary<string, string?>
        {
            ["Inference:ExecutionProvider"] = "Cuda",
            ["Devices:Count"] = "2",
            ["Devices:GpuIds:0"] = "6",
            ["Devices:GpuIds:1"] = "2",
        });

        Assert.Equal(4, opened.Count);
        Assert.All(opened, o => Assert.Equal(DeviceKey.Parse(o.Key).Index == 0 ? 6 : 2, o.Value.DeviceId));
    }

    [Fact]
    public void Cpu_devices_share_the_cores_unless_a_thread_count_is_set()
    {
        var shared = new DeviceOptions { Count = 2 };
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), shared.ForDevice(i).Inference.IntraOpThreads));
        Assert.Equal(0, new DeviceOptions { Count = 1 }.ForDevice(0).Inference.IntraOpThreads);
        Assert.Equal(4, new DeviceOptions { Count = 2, Inference = new InferenceOptions { IntraOpThreads = 4 } }.ForDevice(1).Inference.IntraOpThreads);
        Assert.Equal(1, new DeviceOptions().ResolvedCount);
    }

    [Fact]
    public void A_device_beyond_the_gpu_list_is_an_error_naming_it()
    {
        var options = new DeviceOptions { Count = 3, GpuIds = [0, 1], Inference = new InferenceOptions { ExecutionProvider = ExecutionProvider.Cuda } };
        var error = Assert.Throws<ArgumentException>(() => options.ForDevice(2));
        Assert.Contains("Device 2 has no GPU", error.Message, StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, InferenceOptions>> OpenEveryDeviceAsync(Dictionary<string, string?> settings)
    {
        var cluster = await OwnCluster.StartConfiguredAsync<RecordingBackendFactory>(2, settings);
        try
        {
            using var scratch = new Model.Tests.Support.TempDirectory();
            var count = int.Parse(settings["Devices:Count"]!, System.Globalization.CultureInfo.InvariantCulture);
            var keys = cluster.Silos.SelectMany(s => Enumerable.Range(0, count).Select(i => DeviceKey.Create(s.SiloAddress.ToParsableString(), i))).ToList();
            await Task.WhenAll(keys.Select(k => cluster.Client.GetGrain<IDeviceGrain>(k).PreloadAsync(scratch.Path)));
            return keys.ToDictionary(k => k, k => RecordingBackendFactory.Opened[k]);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Records the session options each device opens its backend with; it computes nothing.</summary>
    private sealed class RecordingBackendFactory : IDeviceBackendFactory
    {
        public static ConcurrentDictionary<string, InferenceOptions> Opened { get; } = new();

        public IDeviceBackend Open(string modelDirectory, string deviceKey, DeviceOptions options)
        {
            Opened[deviceKey] = options.Inference;
            return new Backend(modelDirectory);
        }

        private sealed class Backend(string modelDirectory) : IDeviceBackend
        {
            public string ModelDirectory => modelDirectory;

            public ValueTask<BatchOutputs> RunAsync(EncodedBatch batch, OutputRequest outputs, CancellationToken cancellationToken) => throw new NotSupportedException();

            public ValueTask<DeviceTextComputation> EmbedTextAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken) => throw new NotSupportedException();

            public void Dispose()
            {
            }
        }
    }
}
