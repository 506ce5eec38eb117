using ProtSt.Pipeline;

namespace ProtSt.Bench;

/// <summary>Benchmark sequences: real proteins from the shared DeepLoc set when present, else a seeded synthetic mix of the same length range.</summary>
internal static class BenchInput
{
    /// <summary>The first <paramref name="count"/> sequences within the length range from any supported input file (FASTA, CSV, TSV, Parquet).</summary>
    public static async Task<(IReadOnlyList<string> Sequences, string Source)> LoadAsync(
        string? path, int count, int minLength = 1, int maxLength = int.MaxValue, string sharedDefault = "data/deeploc-test.fasta")
    {
        var fasta = path ?? FindShared(sharedDefault);
        if (fasta is not null && File.Exists(fasta))
        {
            var sequences = new List<string>();
            await foreach (var record in SequenceInput.ReadAsync(fasta, InvalidRecordPolicy.Skip, null, CancellationToken.None))
            {
                if (record.Sequence.Length < minLength || record.Sequence.Length > maxLength)
                {
                    continue;
                }

                sequences.Add(record.Sequence);
                if (sequences.Count == count)
                {
                    break;
                }
            }

            return (sequences, $"{fasta} (lengths {minLength}-{maxLength})");
        }

        var random = new Random(1234);
        const string Residues = "ACDEFGHIKLMNPQRSTVWY";
        var synthetic = Enumerable.Range(0, count)
            .Select(_ => new string(Enumerable.Range(0, (int)Math.Min(1999, 79 + (-420 * Math.Log(random.NextDouble())))).Select(_ => Residues[random.Next(20)]).ToArray()))
            .ToList();
        return (synthetic, "synthetic (seed 1234, lengths 79-1999, exponential around 500)");
    }

    private static string? FindShared(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
