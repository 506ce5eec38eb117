using System.Globalization;
using System.Runtime.CompilerServices;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Silo.Tests;

/// <summary>Random protein records, optionally arriving in bursts so that a job lasts long enough to be watched on any machine.</summary>
public static class SyntheticProteome
{
    public static List<SequenceRecord> Records(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new SequenceRecord(
            string.Create(CultureInfo.InvariantCulture, $"P{i:D5}"),
            RandomProteins.Sequence(random, 40, 400),
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
