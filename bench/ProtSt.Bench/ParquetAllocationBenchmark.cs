using System.Globalization;
using ProtSt.Pipeline;

namespace ProtSt.Bench;

/// <summary>
/// <c>parquet-allocations</c>: the managed bytes allocated to write one shard's part of residues.parquet and to
/// concatenate parts into the job's file, against the states they hold: what a long job's process churns per shard.
/// </summary>
internal static class ParquetAllocationBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var (proteins, residues, width, parts) = (arguments.Int("--proteins", 256), arguments.Int("--residues", 39), arguments.Int("--width", 128), arguments.Int("--parts", 10));
        var work = Path.Combine(Path.GetTempPath(), "protst-parquet-allocations-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Random states, as a model's are: zeros would compress to nothing and hide the compressed pages' buffers.
            var random = new Random(22);
            var state = new float[width];
            var states = (double)proteins * residues * width * sizeof(float);
            var written = new List<string>();
            var perPart = new List<long>();

            // The first round warms the JIT and any pools; the second is measured.
            for (var round = 0; round < 2; round++)
            {
                written.Clear();
                perPart.Clear();
                for (var p = 0; p < parts; p++)
                {
                    var directory = Path.Combine(work, $"part-{p}");
                    Directory.CreateDirectory(directory);
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    await using (var writer = ResiduesTable.Create(directory))
                    {
                        for (var protein = 0; protein < proteins; protein++)
                        {
                            var id = string.Create(CultureInfo.InvariantCulture, $"P{p}-{protein}");
                            for (var r = 0; r < residues; r++)
                            {
                                for (var k = 0; k < width; k++)
                                {
                                    state[k] = random.NextSingle();
                                }

                                await writer.WriteAsync(id, [6, r + 1], state, CancellationToken.None);
                            }
                        }
                    }

                    perPart.Add(GC.GetTotalAllocatedBytes(precise: true) - before);
                    written.Add(ResiduesTable.PathIn(directory));
                }
            }

            var start = GC.GetTotalAllocatedBytes(precise: true);
            await ParquetRowGroupCopier.ConcatenateAsync(written, Path.Combine(work, ResiduesTable.FileName), CancellationToken.None);
            var concatenated = GC.GetTotalAllocatedBytes(precise: true) - start;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{parts} parts of {proteins} proteins x {residues} residues x {width} floats ({states / 1048576:F1} MiB of states a part); load {ProcStat.LoadAverage():F2}"));
            Console.WriteLine();
            Console.WriteLine("| step | MiB allocated per part | per MiB of states |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| write a part | {perPart.Average() / 1048576:F1} | {perPart.Average() / states:F2} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| concatenate parts | {concatenated / (double)parts / 1048576:F1} | {concatenated / (double)parts / states:F2} |"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
