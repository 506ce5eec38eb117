using ProtSt.Pipeline;

namespace ProtSt.Bench.Scale;

/// <summary>The scale benchmark's records: <see cref="BenchInput.Synthetic"/> proteins of 79 residues plus an exponential of mean 420, capped at 1,999 (truncated to 1,022 by the tokenizer).</summary>
internal static class SyntheticProteome
{
    public static List<SequenceRecord> Generate(int count, int seed, string idPrefix = "S") =>
        [.. BenchInput.Synthetic(count, seed, minLength: 79, meanExtra: 420, maxLength: 1999).Select((sequence, i) => new SequenceRecord($"{idPrefix}{i:D7}", sequence, "synthetic", i + 1))];
}
