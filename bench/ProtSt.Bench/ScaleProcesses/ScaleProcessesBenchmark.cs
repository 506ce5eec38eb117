using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ProtSt.Bench.Scale;

namespace ProtSt.Bench.ScaleProcesses;

/// <summary>
/// Scale-out across processes: for each size, Redis and N real <c>protst silo</c> processes (deploy/local/cluster.sh)
/// with simulated devices screen the scale benchmark's synthetic proteome (the same records per device), submitted by
/// a <c>protst screen --cluster</c> client that only watches. Reports the job's throughput against the ideal, the
/// aggregator's calls, and the CPU each process spent per row, as a markdown table.
/// </summary>
internal static class ScaleProcessesBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var sizes = arguments.Ints("--silos", "1,2,4,8,16");
        var devicesPerSilo = arguments.Int("--devices-per-silo", 2);
        var perDevice = arguments.Int("--per-device", 1500);
        var microsecondsPerToken = arguments.Double("--us-per-token", 20);
        var width = arguments.Int("--width", 1280);
        var layout = arguments.String("--output-layout") ?? "parts";
        var warmup = !arguments.Has("--no-warmup");
        var settle = TimeSpan.FromSeconds(arguments.Double("--settle-seconds", 20));
        var idle = TimeSpan.FromSeconds(arguments.Double("--idle-seconds", 10));
        var readyTimeout = TimeSpan.FromSeconds(arguments.Int("--ready-timeout", 600));
        var jobTimeout = TimeSpan.FromSeconds(arguments.Int("--job-timeout", 1800));
        var work = Path.GetFullPath(arguments.String("--work") ?? Path.Combine(Path.GetTempPath(), "protst-scale-processes"));
        if (layout is not ("parts" or "assembled"))
        {
            Console.Error.WriteLine($"error: --output-layout must be parts or assembled, not '{layout}'.");
            return 2;
        }

        if (FindUp(Path.Combine("deploy", "local", "cluster.sh")) is not { } script)
        {
            Console.Error.WriteLine("error: deploy/local/cluster.sh was not found above the working folder or the benchmark; run from the repository.");
            return 2;
        }

        // Ctrl+C or SIGTERM stops the run, and the clusters are still taken down (the finally blocks run).
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var silo = new Dictionary<string, string>
        {
            ["PROTST_Devices__Backend"] = "Simulated",
            ["PROTST_Devices__Simulated__MicrosecondsPerPaddedToken"] = microsecondsPerToken.ToString(CultureInfo.InvariantCulture),
            ["PROTST_Devices__Simulated__EmbeddingWidth"] = width.ToString(CultureInfo.InvariantCulture),
        };
        var protst = arguments.String("--protst") ?? string.Empty;
        Directory.CreateDirectory(work);
        try
        {
            if (protst.Length == 0)
            {
                protst = await BuildProtstAsync(script, work, stop.Token);
            }

            var started = DateTimeOffset.UtcNow;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"simulated devices: {microsecondsPerToken} µs per padded token ({1e6 / microsecondsPerToken:F0} padded tokens/s), embeddings {width} wide; {devicesPerSilo} per silo; {perDevice} records per device; " +
                $"output layout {layout}; machine: {Environment.ProcessorCount} cores; started {started:yyyy-MM-dd HH:mm} UTC; program: {protst}; work: {work}"));

            // A size that fails (a silo not ready in time, a job that fails or times out, wrong output) is reported in
            // its row and the next size still runs: a machine too small for 16 silos still gives the smaller sizes.
            var results = new List<(int Silos, ProcessScaleFigures? Figures, string? Failure)>();
            foreach (var silos in sizes)
            {
                try
                {
                    var figures = await MeasureAsync(silos);
                    results.Add((silos, figures, null));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{silos} silos: {figures.Job.Rows} rows in {figures.Job.ElapsedSeconds:F1} s, {figures.PaddedTokensPerSecond / figures.IdealPaddedTokensPerSecond(microsecondsPerToken):P1} of ideal; " +
                        $"silo CPU s {string.Join(' ', figures.SiloCpuSeconds.Select(s => s.ToString("F1", CultureInfo.InvariantCulture)))}; output verified"));
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
                {
                    results.Add((silos, null, e.Message));
                    Console.Error.WriteLine($"error: {silos} silos: {e.Message}");
                }
            }

            var table = Report(results, devicesPerSilo, perDevice, microsecondsPerToken, started);
            Console.WriteLine();
            Console.Write(table);
            await File.WriteAllTextAsync(Path.Combine(work, "scale-processes.md"), table, CancellationToken.None);
            return results.Any(r => r.Failure is not null) ? 1 : 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped; every cluster this run started was taken down.");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        async Task<ProcessScaleFigures> MeasureAsync(int silos)
        {
            var devices = silos * devicesPerSilo;
            var records = SyntheticProteome.Generate(devices * perDevice, seed: 42);
            var input = await WriteFastaAsync(Path.Combine(work, $"proteome-{records.Count}.fasta"), records);
            var warmupInput = await WriteFastaAsync(Path.Combine(work, $"warmup-{devices}.fasta"), SyntheticProteome.Generate(Math.Min(records.Count, devices * 64), seed: 7, idPrefix: "W"));
            await using var cluster = await LocalCluster.StartAsync(script, protst, Path.Combine(work, $"cluster-{silos}"), silos, devicesPerSilo, silo, readyTimeout, stop.Token);

            // Warm-up: activates every device grain and JITs each silo's paths, as the in-process benchmark's does.
            if (warmup)
            {
                var warmupOutput = Fresh(Path.Combine(work, $"warmup-out-{silos}"));
                await ScreenClient.RunAsync(protst, cluster.Connection, warmupInput, warmupOutput, layout, Path.Combine(work, $"client-warmup-{silos}.log"), [], jobTimeout, stop.Token);
                Directory.Delete(warmupOutput, recursive: true);
            }

            // A fresh runtime recompiles its hot methods (tiered JIT) for tens of seconds after the warm-up: a long-running
            // cluster has done that, so it is let finish. Then what the silos cost with no job (membership, timers,
            // metrics, GC), so the job's CPU can be read above it.
            await Task.Delay(settle, stop.Token);
            var siloPids = cluster.SiloPids;
            var idleBefore = siloPids.Select(ProcStat.CpuSeconds).ToList();
            var idleStart = Stopwatch.GetTimestamp();
            await Task.Delay(idle, stop.Token);
            var idleWall = Stopwatch.GetElapsedTime(idleStart).TotalSeconds;
            var idleCores = siloPids.Select((pid, i) => (ProcStat.CpuSeconds(pid) - idleBefore[i]) / idleWall).ToList();

            var output = Fresh(Path.Combine(work, $"out-{silos}"));
            var loadBefore = ProcStat.LoadAverage();
            var client = await ScreenClient.RunAsync(protst, cluster.Connection, input, output, layout, Path.Combine(work, $"client-{silos}.log"), [.. siloPids, cluster.RedisPid], jobTimeout, stop.Token);
            var loadAfter = ProcStat.LoadAverage();
            var job = await JobApiSnapshot.ReadFinalAsync(cluster.View, client.JobId, TimeSpan.FromSeconds(60), stop.Token);
            await OutputIds.CheckAsync(output, layout, [.. records.Select(r => r.Id)], stop.Token);
            if (job.Rows != records.Count || job.SequencesComputed != records.Count)
            {
                Console.Error.WriteLine($"warning: {silos} silos: the aggregator counted {job.Rows} rows and {job.SequencesComputed} computed sequences for {records.Count} distinct records; the figures use its counts.");
            }

            Directory.Delete(output, recursive: true);
            return new ProcessScaleFigures(
                silos, devices, records.Count, job, client, [.. siloPids.Select(pid => client.WatchedCpuSeconds[pid])], idleCores, client.WatchedCpuSeconds[cluster.RedisPid], loadBefore, loadAfter);
        }
    }

    private static string Report(
        List<(int Silos, ProcessScaleFigures? Figures, string? Failure)> results, int devicesPerSilo, int perDevice, double microsecondsPerToken, DateTimeOffset started)
    {
        var table = new StringBuilder();
        void Line(string text) => table.Append(text).Append('\n');
        static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

        Line(string.Create(CultureInfo.InvariantCulture,
            $"Measured {started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; job s = the aggregator's elapsed time (after the planning pass, to the coordinator's completion); CPU from /proc/<pid>/stat, from the job's submission to the client's exit, per written row."));
        Line(string.Empty);
        Line("| silos | devices | records | job s | sequences/s | ideal seq/s | padded tokens/s | ideal padded tokens/s | % of ideal | device busy | aggregator calls (/s) | silo CPU µs/row min / median / max | all silos µs/row | silo CPU ms/s in the job (median) | idle silo CPU ms/s (median) | all silos µs/row above idle | Redis µs/row | client µs/row after submit (start-up CPU s) | cores busy | load 1-min before → after |");
        Line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (silos, figures, failure) in results)
        {
            if (figures is not { } f)
            {
                // The first line of the reason, without the table's separators.
                var reason = failure!.Split('\n')[0].Replace('|', '/');
                Line($"| {silos} | {silos * devicesPerSilo} | {N(silos * devicesPerSilo * perDevice)} | failed: {reason} |");
                continue;
            }

            var ideal = f.IdealPaddedTokensPerSecond(microsecondsPerToken);
            var paddedPerSequence = (double)f.Job.PaddedTokens / Math.Max(1, f.Job.SequencesComputed);
            var perSilo = f.SiloCpuSeconds.Select(f.PerRow).Order().ToList();
            var calls = f.Job.AggregatorCalls is { } count ? $"{N(count)} ({N(count / f.Job.ElapsedSeconds)})" : "—";
            Line(
                $"| {f.Silos} | {f.Devices} | {N(f.Records)} | {N(f.Job.ElapsedSeconds, "F1")} | {N(f.SequencesPerSecond)} | {N(ideal / paddedPerSequence)} | {N(f.PaddedTokensPerSecond)} | {N(ideal)} | " +
                $"**{N(100 * f.PaddedTokensPerSecond / ideal, "F1")}%** | {N(100 * f.DeviceBusyShare, "F1")}% | {calls} | {N(perSilo[0])} / {N(Median(perSilo))} / {N(perSilo[^1])} | {N(f.PerRow(f.SiloCpuSeconds.Sum()))} | " +
                $"{N(1000 * Median(f.SiloCpuSeconds) / f.Client.SubmittedToExitSeconds)} | {N(1000 * Median(f.IdleSiloCores))} | {N(f.PerRow(f.SiloCpuSeconds.Sum() - (f.IdleSiloCores.Sum() * f.Client.SubmittedToExitSeconds)))} | " +
                $"{N(f.PerRow(f.RedisCpuSeconds))} | {N(f.PerRow(f.Client.JobCpuSeconds))} ({N(f.Client.StartupCpuSeconds, "F1")}) | {N(f.CoresBusy, "F2")} | {N(f.LoadBefore, "F1")} → {N(f.LoadAfter, "F1")} |");
        }

        return table.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    // The protst of this checkout, built once into the work folder, as a command line for cluster.sh and the client.
    internal static async Task<string> BuildProtstAsync(string script, string work, CancellationToken cancellationToken)
    {
        var project = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(script)!, "..", "..", "src", "ProtSt.Cli", "ProtSt.Cli.csproj"));
        if (!File.Exists(project))
        {
            throw new InvalidOperationException($"{project} is missing: pass --protst \"dotnet <folder>/protst.dll\".");
        }

        var bin = Path.Combine(work, "bin");
        Console.Error.WriteLine($"building {project} into {bin}");
        var start = new ProcessStartInfo("dotnet", ["build", project, "-c", "Release", "-o", bin, "-nologo", "-v", "quiet"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var build = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = await build.StandardOutput.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        return build.ExitCode == 0 ? $"dotnet {Path.Combine(bin, "protst.dll")}" : throw new InvalidOperationException($"building protst failed:\n{output.TrimEnd()}");
    }

    private static async Task<string> WriteFastaAsync(string path, IEnumerable<ProtSt.Pipeline.SequenceRecord> records)
    {
        await using var writer = new StreamWriter(path) { NewLine = "\n" };
        foreach (var record in records)
        {
            await writer.WriteLineAsync($">{record.Id}\n{record.Sequence}");
        }

        return path;
    }

    private static string Fresh(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return folder;
    }

    // The first of the working folder's and the program's folders (and their parents) that holds the relative path.
    internal static string? FindUp(string relative)
    {
        foreach (var from in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(from); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
