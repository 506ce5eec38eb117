using ProtSt.Pipeline;

namespace ProtSt.Bench.Scale;

/// <summary>Seeded random proteins whose lengths follow a proteome's skew: 79 residues plus an exponential of mean 420, capped at 1,999 (truncated to 1,022 by the tokenizer).</summary>
internal static class SyntheticProteome
{
    public static List<SequenceRecord> Generate(int count, int seed, string idPrefix = "S")
    {
        const string Residues = "ACDEFGHIKLMNPQRSTVWY";
        var random = new Random(seed);
        var records = new List<SequenceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var length = (int)Math.Min(1999, 79 + (-420 * Math.Log(1 - random.NextDouble())));
            var residues = new char[length];
            for (var j = 0; j < length; j++)
            {
                residues[j] = Residues[random.Next(Residues.Length)];
            }

            records.Add(new SequenceRecord($"{idPrefix}{i:D7}", new string(residues), "synthetic", i + 1));
        }

        return records;
    }
}
