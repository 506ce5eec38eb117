using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>The whole user story without Python: download from a hub, convert, embed.</summary>
public sealed class DownloadTests
{
    [Fact]
    public async Task Download_convert_embed_against_a_local_hub()
    {
        using var hub = new FakeHub();
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm1b-tiny");
        hub.AddRepository("facebook/esm1b-tiny", Directory.GetFiles(golden).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes));
        using var scratch = new TempDirectory();
        var environment = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint };

        var download = await Protst.RunAsync(environment, "model", "download", "facebook/esm1b-tiny", "-o", scratch.Combine("hf"));
        Assert.True(download.ExitCode == 0, download.Error);
        Assert.Contains("downloaded config.json, model.safetensors", download.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await Protst.RunAsync("model", "convert", scratch.Combine("hf"), "-o", scratch.Combine("model"))).ExitCode);
        await File.WriteAllTextAsync(scratch.Combine("in.fasta"), ">p1\nMKTVRQERLKSIVRILERSKEPVSGAQLAEELSVSRQVIVQDIAYLRSLGYNIVATPRGYVLAGG\n");
        var embed = await Protst.RunAsync("embed", "-m", scratch.Combine("model"), "--fasta", scratch.Combine("in.fasta"), "-o", scratch.Combine("out.tsv"));
        Assert.True(embed.ExitCode == 0, embed.Error);
        Assert.StartsWith("p1\t", await File.ReadAllTextAsync(scratch.Combine("out.tsv")), StringComparison.Ordinal);

        var missing = await Protst.RunAsync(environment, "model", "download", "facebook/absent", "-o", scratch.Combine("none"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("facebook/absent@main was not found", missing.Error, StringComparison.Ordinal);
    }
}
