using System.Globalization;
using System.Text;

namespace ProtSt.Testing;

/// <summary>
/// Random protein sequences over the 20 standard amino acids, drawn from the caller's seeded <see cref="Random"/>: a
/// length (when asked for a range) and then one residue per position, so a test's seed gives it the same sequences it
/// had when each test wrote this expression itself.
/// </summary>
public static class RandomProteins
{
    /// <summary>The 20 standard amino acids, in the order the draws index.</summary>
    public const string Alphabet = "ACDEFGHIKLMNPQRSTVWY";

    /// <summary>A sequence of exactly <paramref name="length"/> residues.</summary>
    public static string Sequence(Random random, int length) =>
        string.Create(length, random, static (residues, random) =>
        {
            for (var i = 0; i < residues.Length; i++)
            {
                residues[i] = Alphabet[random.Next(Alphabet.Length)];
            }
        });

    /// <summary>A sequence whose length is drawn first, from <paramref name="minLength"/> up to but not including <paramref name="maxLength"/>.</summary>
    public static string Sequence(Random random, int minLength, int maxLength) => Sequence(random, random.Next(minLength, maxLength));

    /// <summary>
    /// A FASTA text of <paramref name="count"/> records named <paramref name="idPrefix"/>0, <paramref name="idPrefix"/>1, ...,
    /// each a <see cref="Sequence(Random, int, int)"/> drawn in record order.
    /// </summary>
    public static string Fasta(Random random, int count, int minLength, int maxLength, string idPrefix = "P")
    {
        var fasta = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            fasta.Append(CultureInfo.InvariantCulture, $">{idPrefix}{i}\n{Sequence(random, minLength, maxLength)}\n");
        }

        return fasta.ToString();
    }
}
