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

        return ([.. Synthetic(count, seed: 1234, minLength: 79, meanExtra: 420, maxLength: 1999)], "synthetic (seed 1234, lengths 79-1999, exponential around 500)");
    }

    /// <summary>
    /// Seeded random proteins: lengths <paramref name="minLength"/> plus an exponential tail of mean
    /// <paramref name="meanExtra"/>, capped at <paramref name="maxLength"/> (the skew of real proteomes), residues uniform.
    /// </summary>
    public static IEnumerable<string> Synthetic(int count, int seed, int minLength, int meanExtra, int maxLength)
    {
        const string Residues = "ACDEFGHIKLMNPQRSTVWY";
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var length = (int)Math.Min(maxLength, minLength + (-meanExtra * Math.Log(random.NextDouble())));
            yield return new string(Enumerable.Range(0, length).Select(_ => Residues[random.Next(20)]).ToArray());
        }
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
