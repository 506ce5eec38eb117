using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary><c>--priority</c> and <c>--max-devices</c>: a value out of bounds is one line, refused while parsing.</summary>
public sealed class JobSharingCliTests
{
    [Theory]
    [InlineData("--priority", "0", "--priority must be between 1 and 1000 (got 0).")]
    [InlineData("--priority", "-2", "--priority must be between 1 and 1000 (got -2).")]
    [InlineData("--priority", "1001", "--priority must be between 1 and 1000 (got 1001).")]
    [InlineData("--max-devices", "-1", "--max-devices must be between 1 and 100000, or 0 for every device (got -1).")]
    [InlineData("--max-devices", "100001", "--max-devices must be between 1 and 100000, or 0 for every device (got 100001).")]
    public async Task An_out_of_bounds_priority_or_device_limit_is_refused_while_parsing(string option, string value, string expected)
    {
        using var scratch = new TempDirectory();
        var input = scratch.Write("in.fasta", ">a\nMKV\n");
        var run = await Protst.RunAsync("screen", "-i", input, "-o", scratch.Combine("out"), option, value);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("job view: ", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(scratch.Combine("out")));
    }
}
