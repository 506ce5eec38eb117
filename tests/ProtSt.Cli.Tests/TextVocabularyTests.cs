using ProtSt.Model.Folders;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst model convert</c> on a ProtST checkpoint: the shipped PubMedBERT vocabulary, and a warning for another.</summary>
public sealed class TextVocabularyTests
{
    [Fact]
    public async Task Convert_warns_naming_both_hashes_when_the_given_vocabulary_is_not_ProtSTs()
    {
        using var scratch = new TempDirectory();
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "protst-tiny");
        var other = scratch.Write("vocab.txt", string.Concat(File.ReadLines(Path.Combine(golden, "vocab.txt")).Reverse().Select(l => l + "\n")));

        var convert = await Protst.RunAsync("model", "convert", golden, "-o", scratch.Combine("model"), "--text-vocab", other);

        Assert.True(convert.ExitCode == 0, convert.Error);
        Assert.Contains("warning: ", convert.Error, StringComparison.Ordinal);
        Assert.Contains(PubMedBertVocabulary.Sha256, convert.Error, StringComparison.Ordinal);
        Assert.Contains(FileHash.Sha256(other), convert.Error, StringComparison.Ordinal);

        var same = await Protst.RunAsync("model", "convert", golden, "-o", scratch.Combine("same"));
        Assert.True(same.ExitCode == 0, same.Error);
        Assert.DoesNotContain("warning", same.Error, StringComparison.Ordinal);
    }
}
