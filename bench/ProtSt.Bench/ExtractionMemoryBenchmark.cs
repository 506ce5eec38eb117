using System.Diagnostics;
using System.Globalization;
using ProtSt.Bench.ScaleProcesses;
using ProtSt.Model.Demo;

namespace ProtSt.Bench;

/// <summary>
/// <c>extraction-memory</c>: the peak resident memory (VmHWM) of <c>protst screen --include per-residue</c> on the
/// embedded silo (client and silo in one process) as the proteome grows and as shards grow: flat when a shard streams
/// each batch's residue states into its part and a job holds a bounded number of shards, whatever the input size.
/// </summary>
internal static class ExtractionMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var counts = arguments.Ints("--counts", "1000,20000");
        var shardSizes = arguments.Ints("--shard-sizes", "256");
        var include = arguments.String("--include") ?? "per-residue";

        // --compare-mean runs each proteome mean-only too, right after, so the two peaks come from one sitting.
        string[] includes = arguments.Has("--compare-mean") ? [include, "mean"] : [include];
        var (minLength, meanExtra, maxLength) = (arguments.Int("--min-length", 30), arguments.Int("--mean-extra", 60), arguments.Int("--max-length", 200));
        var work = arguments.String("--work") ?? Path.Combine(Path.GetTempPath(), "protst-extraction-memory");
        Directory.CreateDirectory(work);
        using var stop = new CancellationTokenSource();
        var protst = arguments.String("--protst")
            ?? await ScaleProcessesBenchmark.BuildProtstAsync(
                ScaleProcessesBenchmark.FindUp(Path.Combine("deploy", "local", "cluster.sh")) ?? throw new InvalidOperationException("Run from the checkout, or pass --protst \"dotnet <folder>/protst.dll\"."),
                work,
                stop.Token);

        // The demo model unless a shape is given: --width 640 --heads 20 is ESM-2 150M's width (its depth, 30 layers,
        // changes the weights' memory, not what a job holds per protein, and takes 15x the time).
        var width = arguments.Int("--width", DemoModelSpec.Default.HiddenSize);
        var spec = DemoModelSpec.Default with
        {
            Layers = arguments.Int("--model-layers", DemoModelSpec.Default.Layers),
            HiddenSize = width,
            Heads = arguments.Int("--heads", DemoModelSpec.Default.Heads),
            IntermediateSize = 4 * width,
        };
        using var model = new BenchModel(spec);
        var folder = model.Convert();
        Console.WriteLine($"model: {model.Description}; --include {string.Join(" then ", includes)}; protst: {protst}; {Environment.ProcessorCount} cores, load {ProcStat.LoadAverage():F2}");
        Console.WriteLine();
        Console.WriteLine("| --include | proteins | residues | shard size | seconds | sequences/s | peak RSS (MiB) | residues.parquet (MiB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var count in counts)
        {
            var fasta = Path.Combine(work, $"in-{count}.fasta");
            long residues = 0;
            await using (var writer = new StreamWriter(fasta) { NewLine = "\n" })
            {
                var index = 0;
                foreach (var sequence in BenchInput.Synthetic(count, seed: 22, minLength, meanExtra, maxLength))
                {
                    await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $">P{index++:D6}\n{sequence}"));
                    residues += sequence.Length;
                }
            }

            foreach (var shardSize in shardSizes)
            {
                foreach (var parts in includes)
                {
                    var output = Path.Combine(work, $"out-{count}-{shardSize}");
                    if (Directory.Exists(output))
                    {
                        Directory.Delete(output, recursive: true);
                    }

                    var (seconds, peak) = await RunScreenAsync(protst, shardSize, ["screen", "-i", fasta, "-m", folder, "-o", output, "--keep-view", "false", "--include", parts], stop.Token);
                    var file = new FileInfo(Path.Combine(output, "residues.parquet"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {parts} | {count} | {residues} | {shardSize} | {seconds:F1} | {count / seconds:F1} | {peak / 1024.0 / 1024.0:F0} | {(file.Exists ? file.Length / 1024.0 / 1024.0 : 0):F0} |"));
                    Directory.Delete(output, recursive: true);
                }
            }
        }

        return 0;
    }

    // Runs protst to its end, reading the process's high-water mark of resident memory as it goes (VmHWM only rises, so
    // the last reading before it exits is its peak, to within one polling interval).
    private static async Task<(double Seconds, long PeakBytes)> RunScreenAsync(string protst, int shardSize, string[] arguments, CancellationToken cancellationToken)
    {
        var words = protst.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(words[0], [.. words[1..], .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["PROTST_Screen__ShardSize"] = shardSize.ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{words[0]} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, HighWaterMark(process.Id));
            await Task.Delay(50, cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0
            ? (clock.Elapsed.TotalSeconds, peak)
            : throw new InvalidOperationException($"protst {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    private static long HighWaterMark(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
            return 0;
        }
    }
}
