using ProtSt.Grains.Jobs.Parts;
using ProtSt.Pipeline;

namespace ProtSt.Bench.ScaleProcesses;

/// <summary>Checks that a screen's results hold every input id once, in input order: results.tsv, or the parts' results.tsv in shard order.</summary>
internal static class OutputIds
{
    public static async Task CheckAsync(string output, string layout, IReadOnlyList<string> expected, CancellationToken cancellationToken)
    {
        var folders = layout == "parts"
            ? Directory.EnumerateDirectories(PartFolder.PartsDirectory(output), "shard-*").Order(StringComparer.Ordinal).ToList()
            : [output];
        var row = 0;
        foreach (var folder in folders)
        {
            await foreach (var result in ResultsTable.ReadAsync(ResultsTable.PathIn(folder), cancellationToken))
            {
                if (row >= expected.Count || result.Id != expected[row])
                {
                    throw new InvalidOperationException(
                        $"{output}: result row {row + 1} is '{result.Id}' where the input's record {row + 1} is '{(row < expected.Count ? expected[row] : "(none: more rows than records)")}'.");
                }

                row++;
            }
        }

        if (row != expected.Count)
        {
            throw new InvalidOperationException($"{output}: {row} result rows for {expected.Count} input records.");
        }
    }
}
