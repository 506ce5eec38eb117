using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>Issue 18's hostile and careless inputs through the program, as a user runs it: one clear line, no lost work.</summary>
public sealed class HostileInputCliTests
{
    private static string Fixture(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    [Fact]
    public async Task A_record_over_a_silo_limit_is_skipped_with_its_line_and_the_rest_screened()
    {
        using var scratch = new TempDirectory();
        var input = Fixture("input", "16_100001.fasta");
        var model = SharedModels.Golden("esm2-tiny");

        var skip = await Protst.RunAsync("screen", "-i", input, "-m", model, "-o", scratch.Combine("skip"), "--on-invalid", "skip");
        Assert.True(skip.ExitCode == 0, skip.Error);
        Assert.Contains($"skipped: {input}:11: ", skip.Error, StringComparison.Ordinal);
        Assert.Contains("the sequence has 100001 residues; the limit is Security:MaxSequenceResidues = 100000", skip.Error, StringComparison.Ordinal);
        Assert.Contains("screened 5 records", skip.Output, StringComparison.Ordinal);

        // The limit is the configured one, shared with the silo: lowered, it refuses the 75-residue record on line 3 too.
        var lowered = await Protst.RunAsync(
            new Dictionary<string, string> { ["PROTST_Security__MaxSequenceResidues"] = "70" },
            "screen", "-i", input, "-m", model, "-o", scratch.Combine("lowered"), "--on-invalid", "skip");
        Assert.True(lowered.ExitCode == 0, lowered.Error);
        Assert.Contains($"skipped: {input}:3: G2: the sequence has 75 residues; the limit is Security:MaxSequenceResidues = 70", lowered.Error, StringComparison.Ordinal);
        Assert.Contains("screened 4 records", lowered.Output, StringComparison.Ordinal);

        var fail = await Protst.RunAsync("screen", "-i", input, "-m", model, "-o", scratch.Combine("fail"));
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains($"error: {input}:11: ", fail.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", fail.Error, StringComparison.Ordinal);

        // --resume would stop at the same record forever, so it is not offered.
        Assert.DoesNotContain("--resume", fail.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task A_device_count_below_one_is_refused_while_parsing(string devices)
    {
        using var scratch = new TempDirectory();
        var run = await Protst.RunAsync("screen", "-i", Fixture("input", "21_utf8_bom.fasta"), "-o", scratch.Combine("out"), "--devices", devices);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"--devices must be at least 1 (got {devices})", run.Error, StringComparison.Ordinal);

        // Refused before anything started: no silo, no job view, no output folder.
        Assert.DoesNotContain("job view: ", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(scratch.Combine("out")));
    }

    [Theory]
    [InlineData("footerflip.parquet", "its footer lists no row groups")]
    [InlineData("midcorrupt.parquet", "not a readable Parquet file: its metadata is damaged")]
    public async Task A_damaged_parquet_input_is_one_error_line(string name, string expected)
    {
        using var scratch = new TempDirectory();
        var input = Fixture("input", name);
        var run = await Protst.RunAsync("screen", "-i", input, "-o", scratch.Combine("out"), "--on-invalid", "skip");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"error: {input}: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--resume", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_as_input_says_it_is_a_folder()
    {
        using var scratch = new TempDirectory();
        Directory.CreateDirectory(scratch.Combine("in"));
        var run = await Protst.RunAsync("screen", "-i", scratch.Combine("in"), "-o", scratch.Combine("out"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"error: {scratch.Combine("in")}: this is a folder", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_of_stride_zero_views_is_refused_by_convert_with_one_line()
    {
        using var scratch = new TempDirectory();
        var run = await Protst.RunAsync("model", "convert", Fixture("checkpoints", "stride0-checkpoint"), "-o", scratch.Combine("model"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error: pytorch_model.bin: tensor ", run.Error, StringComparison.Ordinal);
        Assert.Contains("a view that repeats elements past its storage's size is refused", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Combine("model", "manifest.json")));
    }
}
