using System.Globalization;

namespace ProtSt.Bench;

/// <summary><c>proteome</c>: writes a seeded synthetic proteome as FASTA, the input of the load run (bench/load).</summary>
internal static class ProteomeCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchArguments(args);
        var output = arguments.String("-o") ?? throw new ArgumentException("proteome needs -o <file.fasta>.");
        var records = arguments.Int("--records", 100_000);
        var (minLength, meanExtra, maxLength) = (arguments.Int("--min-length", 50), arguments.Int("--mean-extra", 200), arguments.Int("--max-length", 1000));
        await using var writer = new StreamWriter(output) { NewLine = "\n" };
        var index = 0;
        long residues = 0;
        foreach (var sequence in BenchInput.Synthetic(records, arguments.Int("--seed", 7), minLength, meanExtra, maxLength))
        {
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $">SYN{index++:D7}"));
            await writer.WriteLineAsync(sequence);
            residues += sequence.Length;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {records} sequences, {residues} residues (lengths {minLength}-{maxLength}, mean {residues / (double)records:F0}) to {output}"));
        return 0;
    }
}
