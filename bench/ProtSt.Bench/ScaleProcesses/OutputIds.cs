namespace ProtSt.Bench.ScaleProcesses;

/// <summary>Checks that a screen's results hold every input id once, in input order: results.tsv, or the parts' results.tsv in shard order.</summary>
internal static class OutputIds
{
    public static void Check(string output, string layout, IReadOnlyList<string> expected)
    {
        var files = layout == "parts"
            ? Directory.EnumerateDirectories(Path.Combine(output, "parts"), "shard-*").Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "results.tsv")).ToList()
            : [Path.Combine(output, "results.tsv")];
        var row = 0;
        foreach (var id in files.SelectMany(f => File.ReadLines(f).Skip(1)).Select(line => line.Split('\t', 2)[0]))
        {
            if (row >= expected.Count || id != expected[row])
            {
                throw new InvalidOperationException(
                    $"{output}: result row {row + 1} is '{id}' where the input's record {row + 1} is '{(row < expected.Count ? expected[row] : "(none: more rows than records)")}'.");
            }

            row++;
        }

        if (row != expected.Count)
        {
            throw new InvalidOperationException($"{output}: {row} result rows for {expected.Count} input records.");
        }
    }
}
