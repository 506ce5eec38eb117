using System.Globalization;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// How a CPU silo should use its cores: (a) one device with every core, (b) as many devices as cores with one thread
/// each (what <see cref="DeviceOptions.ForDevice"/> gives several devices), (c) as many devices each asking for every
/// core (what several devices did before). The same screen job through an embedded silo configured each way.
/// </summary>
internal static class CpuDevicesBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 96);
        var repeats = arguments.Int("--repeats", 2);
        var cores = Environment.ProcessorCount;
        var devices = arguments.Int("--devices", cores);
        var (sequences, source) = await BenchInput.LoadAsync(arguments.String("--fasta"), count, minLength: 79, maxLength: 1999);
        var records = sequences.Select((s, i) => new SequenceRecord($"S{i}", s, "bench", i + 1)).ToList();

        using var benchModel = new BenchModel(DemoModelSpec.Esm2_8M);
        var model = benchModel.Convert();
        var screen = new ScreenOptions();
        Console.WriteLine($"model: {benchModel.Description}; input: {sequences.Count} sequences from {source}; {cores} cores; token budget {screen.MaxTokensPerBatch}");

        var setups = new (string Name, DeviceOptions Options)[]
        {
            ($"(a) 1 device, {cores} threads", new DeviceOptions { Count = 1 }),
            ($"(b) {devices} devices sharing the cores ({Math.Max(1, cores / devices)} thread(s) each)", new DeviceOptions { Count = devices }),
            ($"(c) {devices} devices, each asking for all {cores} cores", new DeviceOptions { Count = devices, Inference = new InferenceOptions { IntraOpThreads = cores } }),
        };
        var clusters = new List<EmbeddedCluster>();
        try
        {
            var methods = new List<(string Name, Func<Task> Run)>();
            var run = 0;
            foreach (var (name, options) in setups)
            {
                var cluster = await EmbeddedCluster.StartAsync(options, CancellationToken.None);
                clusters.Add(cluster);
                async Task Screen()
                {
                    var rows = 0;
                    await new JobDriver(cluster.Grains, screen).RunAsync($"cpu-devices-{run++}", model, records.ToAsyncEnumerable(), _ =>
                    {
                        rows++;
                        return ValueTask.CompletedTask;
                    }, CancellationToken.None);
                    if (rows != records.Count)
                    {
                        throw new InvalidOperationException($"{name}: {rows} rows for {records.Count} records.");
                    }
                }

                await Screen(); // warm-up: sessions open, kernels, grain activations
                methods.Add((name, Screen));
            }

            var seconds = await InterleavedPasses.MeasureAsync(methods, repeats);
            Console.WriteLine();
            Console.WriteLine("| setup | seconds per pass | sequences/s | relative to (a) |");
            Console.WriteLine("|---|---:|---:|---:|");
            for (var m = 0; m < methods.Count; m++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {methods[m].Name} | {seconds[m]:F2} | {sequences.Count / seconds[m]:F1} | {seconds[0] / seconds[m]:F2}x |"));
            }

            return 0;
        }
        finally
        {
            foreach (var cluster in clusters)
            {
                await cluster.DisposeAsync();
            }
        }
    }
}
