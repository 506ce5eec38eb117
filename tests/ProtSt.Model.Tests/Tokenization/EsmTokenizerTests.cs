using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Tokenization;

public sealed class EsmTokenizerTests
{
    private static readonly EsmTokenizer Tokenizer = new(EsmTokenizer.StandardVocabulary, maxResidues: 1022);

    private static long Id(string token) => EsmTokenizer.StandardVocabulary.ToList().IndexOf(token);

    [Fact]
    public void Wraps_residues_in_cls_and_eos()
    {
        var encoded = Tokenizer.Encode("MKV");
        Assert.Equal([Id("<cls>"), Id("M"), Id("K"), Id("V"), Id("<eos>")], encoded.Ids);
        Assert.Equal(3, encoded.ResidueCount);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void Upper_cases_strips_whitespace_and_a_trailing_stop()
    {
        Assert.Equal(Tokenizer.Encode("MKV").Ids, Tokenizer.Encode(" m k\tv\r\n*").Ids);
    }

    [Fact]
    public void Only_one_trailing_stop_is_removed_and_inner_stops_are_invalid()
    {
        var error = Assert.Throws<InvalidSequenceException>(() => Tokenizer.Encode("MK*V"));
        Assert.Contains("'*' at residue 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_letters_map_to_unk_but_ambiguous_codes_keep_their_ids()
    {
        Assert.Equal([Id("<cls>"), Id("<unk>"), Id("X"), Id("B"), Id("Z"), Id("U"), Id("O"), Id("<eos>")], Tokenizer.Encode("JXBZUO").Ids);
    }

    [Fact]
    public void Recognizes_literal_mask_tokens()
    {
        Assert.Equal([Id("<cls>"), Id("M"), Id("<mask>"), Id("K"), Id("<eos>")], Tokenizer.Encode("M<mask>K").Ids);
        Assert.Equal(3, Tokenizer.Encode("m<mask>k").ResidueCount);
    }

    [Theory]
    [InlineData("MK<eos>V")]
    [InlineData("MK<pad>V")]
    [InlineData("<cls>MKV")]
    [InlineData("MK<bogus>V")]
    [InlineData("MK<mask")]
    public void Refuses_structural_or_unknown_special_tokens(string sequence)
    {
        var error = Assert.Throws<InvalidSequenceException>(() => Tokenizer.Encode(sequence));
        Assert.Contains("not a token that may appear inside a sequence", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("*")]
    public void Refuses_empty_sequences(string sequence)
    {
        var error = Assert.Throws<InvalidSequenceException>(() => Tokenizer.Encode(sequence));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MK1V", '1')]
    [InlineData("MK#V", '#')]
    public void Refuses_characters_outside_the_alphabet(string sequence, char bad)
    {
        var error = Assert.Throws<InvalidSequenceException>(() => Tokenizer.Encode(sequence));
        Assert.Contains($"'{bad}' at residue 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keeps_the_first_residues_over_the_limit_and_flags_truncation()
    {
        var tokenizer = new EsmTokenizer(EsmTokenizer.StandardVocabulary, maxResidues: 5);
        var encoded = tokenizer.Encode("ACDEFGHIK");
        Assert.True(encoded.Truncated);
        Assert.Equal(5, encoded.ResidueCount);
        Assert.Equal(9, encoded.OriginalResidueCount);
        Assert.Equal(tokenizer.Encode("ACDEF").Ids, encoded.Ids);
        Assert.Equal(7, tokenizer.MaxTokens);
    }

    [Fact]
    public void Exactly_at_the_limit_is_not_truncated()
    {
        var tokenizer = new EsmTokenizer(EsmTokenizer.StandardVocabulary, maxResidues: 5);
        Assert.False(tokenizer.Encode("ACDEF").Truncated);
    }

    [Fact]
    public void Fail_policy_refuses_long_sequences()
    {
        var tokenizer = new EsmTokenizer(EsmTokenizer.StandardVocabulary, maxResidues: 5, TruncationPolicy.Fail);
        var error = Assert.Throws<InvalidSequenceException>(() => tokenizer.Encode("ACDEFG"));
        Assert.Contains("6 residues, over the model's limit of 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Published_limit_is_1022_residues()
    {
        var encoded = Tokenizer.Encode(new string('A', 1100));
        Assert.Equal(1022, encoded.ResidueCount);
        Assert.Equal(1024, encoded.Length);
    }

    [Fact]
    public void A_vocabulary_without_special_tokens_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new EsmTokenizer(["A", "C"], 10));
    }

    [Fact]
    public void Batches_pad_to_the_longest_with_the_pad_id_and_mask_zeros()
    {
        var batch = EncodedBatch.Create([Tokenizer.Encode("MK"), Tokenizer.Encode("MKVL")], Tokenizer.PadId);
        Assert.Equal(6, batch.SequenceLength);
        Assert.Equal([Id("<cls>"), Id("M"), Id("K"), Id("<eos>"), Id("<pad>"), Id("<pad>")], batch.InputIds[..6]);
        Assert.Equal([1L, 1, 1, 1, 0, 0], batch.AttentionMask[..6]);
        Assert.Equal(10, batch.RealTokens);
        Assert.Equal(12, batch.PaddedTokens);
    }
}
