using Microsoft.Extensions.Configuration;

namespace ProtSt.Cli.Tests;

/// <summary>The <c>Embedding</c> section of embed: a setting that makes no sense stops the command in one line before any record is read.</summary>
public sealed class EmbeddingConfigurationTests
{
    [Theory]
    [InlineData("2")]
    [InlineData("-0.1")]
    public void A_padding_cap_outside_0_to_1_is_refused_in_one_line_naming_the_option(string value)
    {
        // Before, embed stopped with the planner's ArgumentOutOfRangeException: two lines, naming no configuration key.
        var configuration = CliConfiguration.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Embedding:MaxPaddingFraction"] = value,
        }).Build());

        var error = Assert.Throws<InvalidOperationException>(() => configuration.Embedding);
        Assert.StartsWith($"Embedding:MaxPaddingFraction must be between 0 and 1 (got {value})", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_default_padding_cap_is_accepted()
    {
        var configuration = CliConfiguration.From(new ConfigurationBuilder().Build());
        Assert.Equal(0.2, configuration.Embedding.MaxPaddingFraction);
    }
}
