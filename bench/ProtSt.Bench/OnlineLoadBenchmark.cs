using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Online;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using ProtSt.Silo;
using ProtSt.Testing;

namespace ProtSt.Bench;

/// <summary>
/// Online embeddings under load (issue 24), on one silo host on 127.0.0.1 with one device: single-sequence
/// <c>/v1/embeddings</c> requests from 1, 4 and 16 concurrent clients, idle and while a screen runs on the same device;
/// against a bare ONNX Runtime session's single-sequence run (latency) and its token-budget batches (throughput), all
/// in one process, on the same sequences. Bounded: each level stops after <c>--requests</c> or <c>--seconds</c>.
/// </summary>
internal static class OnlineLoadBenchmark
{
    private const string ModelName = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var count = arguments.Int("--sequences", 64);
        var requests = arguments.Int("--requests", 200);
        var seconds = arguments.Double("--seconds", 10);
        var threads = arguments.Int("--threads", 1);
        var screenRecords = arguments.Int("--screen-records", 6000);
        var levels = arguments.Ints("--clients", "1,4,16");
        var sequences = BenchInput.Synthetic(count, seed: 24, minLength: 100, meanExtra: 100, maxLength: 300).ToList();

        using var benchModel = new BenchModel(arguments.Has("--demo") ? DemoModelSpec.Default : DemoModelSpec.Esm2_8M);
        var model = benchModel.Convert();
        var inference = new InferenceOptions { IntraOpThreads = threads };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model: {benchModel.Description}; {sequences.Count} sequences of 100-300 residues; {threads} intra-op thread(s); {Environment.ProcessorCount} cores; load average (1 min) {ProcStat.LoadAverage():F2}"));

        var (bareLatency, capped, greedy) = MeasureBare(model, sequences, inference);

        // The device's own batch throughput is the better of the two plans: the reference is never flattered by padding.
        var bareThroughput = Math.Max(capped, greedy);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bare session: single-sequence p50 {bareLatency * 1000:F2} ms; token-budget batches {capped:F1} sequences/s (padding cap {new ScreenOptions().MaxPaddingFraction:F2}), {greedy:F1} sequences/s (no cap)"));

        var app = SiloHost.Build(new SiloHostOptions
        {
            Devices = new DeviceOptions { Count = 1, Inference = inference },
            Serving = new ServingOptions { Models = { [ModelName] = model }, MaxConcurrentRequests = 256 },
        });
        await app.StartAsync();
        try
        {
            var address = new Uri(SiloHost.Addresses(app)[0]);
            if (!address.IsLoopback)
            {
                throw new InvalidOperationException($"The benchmark host must listen on loopback, not {address}.");
            }

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = address };

            // Warm-up: the device's session, the grains, the HTTP connections.
            await LoadAsync(http, sequences, clients: 4, requests: 40, seconds: 30);
            var hops = await MeasureHopsAsync(app.Services, http, model, sequences, inference, passes: arguments.Int("--hop-passes", 2));
            var rows = new List<Level>();
            foreach (var clients in levels)
            {
                rows.Add(await LoadAsync(http, sequences, clients, requests, seconds) with { Phase = "idle" });
            }

            var ids = new List<string>();
            var records = BenchInput.Synthetic(screenRecords, seed: 6000, minLength: 40, meanExtra: 200, maxLength: 1000)
                .Select((s, i) => new SequenceRecord($"P{i:D5}", s, "bench", i + 1)).ToList();
            var screenWatch = Stopwatch.StartNew();
            var screen = new JobDriver(app.Services.GetRequiredService<IGrainFactory>(), new ScreenOptions()).RunAsync("online-load-screen", model, records.ToAsyncEnumerable(), row =>
            {
                ids.Add(row.Id);
                return ValueTask.CompletedTask;
            }, CancellationToken.None);

            // Let the screen fill the device's queue before measuring beside it.
            await Task.Delay(TimeSpan.FromSeconds(2));
            foreach (var clients in levels)
            {
                var level = await LoadAsync(http, sequences, clients, requests, seconds);
                rows.Add(level with { Phase = screen.IsCompleted ? "screen (ended during the level)" : "during screen" });
            }

            var stillRunning = !screen.IsCompleted;
            await screen;
            var once = ids.Count == records.Count && ids.Distinct(StringComparer.Ordinal).Count() == records.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"screen: {records.Count} records in {screenWatch.Elapsed.TotalSeconds:F1} s, {(stillRunning ? "still running after the last level" : "ended before the last level")}; every id once: {once}"));

            Console.WriteLine();
            Console.WriteLine("| phase | clients | requests | p50 ms | p99 ms | sequences/s | / device batch throughput |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {row.Phase} | {row.Clients} | {row.Requests} | {row.P50 * 1000:F2} | {row.P99 * 1000:F2} | {row.Throughput:F1} | {row.Throughput / bareThroughput:F2} |"));
            }

            Console.WriteLine();
            Console.WriteLine("Idle single sequence, one hop more per row, interleaved sequence by sequence (p50 ms):");
            Console.WriteLine("| path | p50 ms | added ms |");
            Console.WriteLine("|---|---:|---:|");
            for (var i = 0; i < hops.Count; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {hops[i].Path} | {hops[i].P50 * 1000:F2} | {(i == 0 ? 0 : (hops[i].P50 - hops[i - 1].P50) * 1000):F2} |"));
            }

            var idleOne = rows.First(r => r.Phase == "idle" && r.Clients == levels[0]);
            var (bare, served) = (hops[0].P50, hops[^1].P50);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"idle single-sequence HTTP p50 {served * 1000:F2} ms vs bare {bare * 1000:F2} ms (interleaved): bound 1.2 x bare + 5 ms = {(1.2 * bare + 0.005) * 1000:F2} ms -> {(served <= 1.2 * bare + 0.005 ? "within" : "OVER")} (the 1-client level: p50 {idleOne.P50 * 1000:F2} ms)"));
            var sixteen = rows.FirstOrDefault(r => r.Phase == "idle" && r.Clients == 16);
            if (sixteen is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"16 clients: {sixteen.Throughput:F1} sequences/s = {sixteen.Throughput / bareThroughput:F2} x the bare session's batch throughput {bareThroughput:F1} -> {(sixteen.Throughput >= 0.8 * bareThroughput ? "within" : "UNDER")} (target 0.8)"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average (1 min) at the end: {ProcStat.LoadAverage():F2}"));
            foreach (var clients in levels)
            {
                var idle = rows.First(r => r.Phase == "idle" && r.Clients == clients);
                var busy = rows.Last(r => r.Clients == clients);
                var bound = 3 * idle.P99 + 0.3;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{clients} client(s): p99 beside the screen {busy.P99 * 1000:F1} ms vs bound 3 x idle p99 + 300 ms = {bound * 1000:F1} ms -> {(busy.P99 <= bound ? "within" : "OVER")}"));
            }

            return once ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    // The same sequences on a bare session: each alone (median latency over two passes after a warm-up), then planned
    // into token-budget batches as a screen's would be, with the padding cap and without it, interleaved pass by pass
    // (sequences per second of computing).
    private static (double Latency, double Capped, double Greedy) MeasureBare(string model, List<string> sequences, InferenceOptions inference)
    {
        using var session = EncoderSession.Open(model, inference);
        var tokenizer = session.Folder.CreateTokenizer();
        var encoded = sequences.Select(s => tokenizer.Encode(s)).ToList();
        var single = new List<double>();
        for (var pass = 0; pass < 3; pass++)
        {
            foreach (var sequence in encoded)
            {
                var watch = Stopwatch.StartNew();
                session.Run(EncodedBatch.Create([sequence], tokenizer.PadId));
                if (pass > 0)
                {
                    single.Add(watch.Elapsed.TotalSeconds);
                }
            }
        }

        var lengths = encoded.Select(e => e.Length).ToList();
        var screen = new ScreenOptions();
        var plans = new[] { screen.MaxPaddingFraction, 1.0 }
            .Select(cap => new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = screen.MaxTokensPerBatch, MaxPaddingFraction = cap }).Plan(lengths))
            .ToList();
        var seconds = new double[plans.Count];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var p = 0; p < plans.Count; p++)
            {
                var watch = Stopwatch.StartNew();
                foreach (var batch in plans[p])
                {
                    session.Run(EncodedBatch.Create([.. batch.Indices.Select(i => encoded[i])], tokenizer.PadId));
                }

                seconds[p] += watch.Elapsed.TotalSeconds;
            }
        }

        return (Percentile(single, 0.5), 2 * sequences.Count / seconds[0], 2 * sequences.Count / seconds[1]);
    }

    // Where an idle request's time goes: the same sequence, in turn, on a bare session, on the device grain (its queue,
    // the thread-pool hop, the grain call), through the encoder grain (batcher, router, tokenizing), and over HTTP (body,
    // JSON); interleaved sequence by sequence, so the machine's load drifts on all four alike. The first pass warms up.
    private static async Task<List<Hop>> MeasureHopsAsync(IServiceProvider services, HttpClient http, string model, List<string> sequences, InferenceOptions inference, int passes)
    {
        using var session = EncoderSession.Open(model, inference);
        var tokenizer = session.Folder.CreateTokenizer();
        var grains = services.GetRequiredService<IGrainFactory>();
        var device = grains.GetGrain<IDeviceGrain>((await services.GetRequiredService<DeviceListCache>().GetDevicesAsync())[0]);
        var encoder = grains.GetGrain<IEncoderGrain>(0);
        var directory = Path.GetFullPath(model);
        var times = new List<double>[4];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = [];
        }

        for (var pass = 0; pass <= passes; pass++)
        {
            foreach (var sequence in sequences)
            {
                var batch = EncodedBatch.Create([tokenizer.Encode(sequence)], tokenizer.PadId);
                Func<Task>[] paths =
                [
                    () =>
                    {
                        session.Run(batch);
                        return Task.CompletedTask;
                    },
                    () => device.RunAsync(new DeviceBatch("online-load-hops", directory, batch.InputIds, batch.AttentionMask, 1, batch.SequenceLength, Online: true)),
                    () => encoder.EncodeAsync(new EncodeRequest(directory, [sequence])),
                    async () =>
                    {
                        using var response = await http.PostAsJsonAsync("/v1/embeddings", new { model = ModelName, input = sequence });
                        response.EnsureSuccessStatusCode();
                        await response.Content.ReadAsByteArrayAsync();
                    },
                ];
                for (var i = 0; i < paths.Length; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await paths[i]();
                    if (pass > 0)
                    {
                        times[i].Add(watch.Elapsed.TotalSeconds);
                    }
                }
            }
        }

        string[] names = ["bare ONNX Runtime session", "device grain (queue, thread pool, grain call)", "encoder grain (batcher, router, tokenizer)", "HTTP /v1/embeddings (body, JSON)"];
        return [.. names.Select((n, i) => new Hop(n, Percentile(times[i], 0.5)))];
    }

    // Each client sends one single-sequence request after another until the level's requests are sent or its time is up.
    private static async Task<Level> LoadAsync(HttpClient http, List<string> sequences, int clients, int requests, double seconds)
    {
        var latencies = new List<double>();
        var next = -1;
        var deadline = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, clients).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < requests && deadline.Elapsed.TotalSeconds < seconds)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.PostAsJsonAsync("/v1/embeddings", new { model = ModelName, input = sequences[n % sequences.Count] });
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
                var elapsed = watch.Elapsed.TotalSeconds;
                lock (latencies)
                {
                    latencies.Add(elapsed);
                }
            }
        });
        await Task.WhenAll(tasks);
        var wall = deadline.Elapsed.TotalSeconds;
        return new Level("", clients, latencies.Count, Percentile(latencies, 0.5), Percentile(latencies, 0.99), latencies.Count / wall);
    }

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private sealed record Hop(string Path, double P50);

    private sealed record Level(string Phase, int Clients, int Requests, double P50, double P99, double Throughput);
}
