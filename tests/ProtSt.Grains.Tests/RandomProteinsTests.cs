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
}
