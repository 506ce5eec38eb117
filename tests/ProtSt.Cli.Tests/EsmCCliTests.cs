using System.Text.Json;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>An untrained ESM C from <c>protst model demo --esmc</c> converts, describes itself and screens like ESM-2.</summary>
public sealed class EsmCCliTests
{
    [Fact]
    public async Task A_demo_esmc_converts_and_screens_with_its_2046_residue_limit()
    {
        using var scratch = new TempDirectory();
        var demo = await Protst.RunAsync("model", "demo", "--esmc", "--layers", "2", "-o", scratch.Combine("checkpoint"));
        Assert.True(demo.ExitCode == 0, demo.Error);
        Assert.Contains("ESM C checkpoint (2 blocks, 128 wide, 2 heads, feed-forward 512)", demo.Output, StringComparison.Ordinal);

        var convert = await Protst.RunAsync("model", "convert", scratch.Combine("checkpoint"), "-o", scratch.Combine("model"), "--dtype", "int8");
        Assert.True(convert.ExitCode == 0, convert.Error);
        Assert.Contains("converted esmc (2 layers, 128 wide, 2 heads, int8, fused)", convert.Output, StringComparison.Ordinal);

        var info = await Protst.RunAsync("model", "info", scratch.Combine("model"));
        using var manifest = JsonDocument.Parse(info.Output);
        Assert.Equal("esmc", manifest.RootElement.GetProperty("architecture").GetString());
        Assert.Equal(2046, manifest.RootElement.GetProperty("max_residues").GetInt32());
        Assert.True(manifest.RootElement.GetProperty("untrained").GetBoolean());

        // 1,500 residues is past ESM-2's 1,022 but inside ESM C's context; 2,100 is kept to its first 2,046.
        var random = new Random(27);
        string Protein(int length) => RandomProteins.Sequence(random, length);
        var fasta = scratch.Write("in.fasta", $">short\n{Protein(40)}\n>long\n{Protein(1500)}\n>longer\n{Protein(2100)}\n");
        var screen = await Protst.RunAsync("screen", "-i", fasta, "-m", scratch.Combine("model"), "-o", scratch.Combine("out"));
        Assert.True(screen.ExitCode == 0, screen.Error);
        Assert.Equal(["id\tlength\ttruncated", "short\t40\tfalse", "long\t1500\tfalse", "longer\t2100\ttrue"], await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv")));

        var badWidth = await Protst.RunAsync("model", "demo", "--esmc", "--hidden", "100", "-o", scratch.Combine("bad"));
        Assert.Equal(1, badWidth.ExitCode);
        Assert.Contains("multiple of 64", badWidth.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badWidth.Error, StringComparison.Ordinal);
    }
}
