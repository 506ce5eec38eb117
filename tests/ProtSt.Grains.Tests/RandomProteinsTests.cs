using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>The shared generator draws what the tests' own copies drew from the same seed, so their inputs are unchanged.</summary>
public sealed class RandomProteinsTests
{
    [Fact]
    public void A_seed_gives_the_sequences_the_inline_expression_gave()
    {
        var (shared, inline) = (new Random(2026), new Random(2026));
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(
                new string(Enumerable.Range(0, inline.Next(20, 400)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[inline.Next(20)]).ToArray()),
                RandomProteins.Sequence(shared, 20, 400));
            Assert.Equal(
                new string(Enumerable.Range(0, 7).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[inline.Next(20)]).ToArray()),
                RandomProteins.Sequence(shared, 7));
        }
    }

    [Fact]
    public void A_fasta_holds_the_records_the_tests_wrote_themselves()
    {
        var (shared, inline) = (new Random(26), new Random(26));
        var expected = string.Concat(Enumerable.Range(0, 12).Select(i => $">S{i}\n{RandomProteins.Sequence(inline, 100, 200)}\n"));
        Assert.Equal(expected, RandomProteins.Fasta(shared, 12, 100, 200, "S"));
        Assert.StartsWith(">P0\n", RandomProteins.Fasta(new Random(1), 1, 5, 6), StringComparison.Ordinal);
    }
}
