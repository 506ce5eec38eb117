using System.Globalization;
using System.Runtime.CompilerServices;
using ProtSt.Pipeline;

namespace ProtSt.Silo.Tests;

/// <summary>Random protein records, optionally arriving in bursts so that a job lasts long enough to be watched on any machine.</summary>
public static class SyntheticProteome
{
    private const string Residues = "ACDEFGHIKLMNPQRSTVWY";

    public static List<SequenceRecord> Records(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new SequenceRecord(
            string.Create(CultureInfo.InvariantCulture, $"P{i:D5}"),
            new string(Enumerable.Range(0, random.Next(40, 400)).Select(_ => Residues[random.Next(Residues.Length)]).ToArray()),
            "synthetic",
            i + 1))];
    }

    public static async IAsyncEnumerable<SequenceRecord> PacedAsync(
        IReadOnlyList<SequenceRecord> records, int burst, TimeSpan pause, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < records.Count; i++)
        {
            if (i > 0 && i % burst == 0)
            {
                await Task.Delay(pause, cancellationToken);
            }

            yield return records[i];
        }
    }
}
