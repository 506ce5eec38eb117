using ProtSt.Model.Folders;
using ProtSt.Model.Hub;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Hub;

public sealed class HubClientTests
{
    private static Dictionary<string, byte[]> GoldenFiles(string golden)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", golden);
        return Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    [Fact]
    public async Task Downloads_a_repository_that_then_converts_to_the_same_model()
    {
        using var hub = new FakeHub();
        hub.AddRepository("facebook/esm2-tiny", new Dictionary<string, byte[]>(GoldenFiles("esm2-tiny")) { ["README.md"] = "# model card"u8.ToArray() });
        using var scratch = new TempDirectory();
        using var client = new HubClient(new HubOptions { Endpoint = hub.Endpoint, Token = null });

        var files = await client.DownloadAsync("facebook/esm2-tiny", "main", scratch.Combine("hf"), null, CancellationToken.None);

        Assert.Equal(["config.json", "model.safetensors"], files);
        Assert.False(File.Exists(scratch.Combine("hf", "README.md")));
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny");
        Assert.Equal(File.ReadAllBytes(Path.Combine(golden, "model.safetensors")), File.ReadAllBytes(scratch.Combine("hf", "model.safetensors")));
        var manifest = ModelConverter.Convert(scratch.Combine("hf"), scratch.Combine("model"));
        Assert.Equal(FileHash.Sha256(Path.Combine(golden, "model.safetensors")), manifest.Source.Single(f => f.Name == "model.safetensors").Sha256);
    }

    [Fact]
    public async Task Verified_files_are_not_fetched_again()
    {
        using var hub = new FakeHub();
        hub.AddRepository("o/m", GoldenFiles("esm2-tiny-bin"));
        using var scratch = new TempDirectory();
        using var client = new HubClient(new HubOptions { Endpoint = hub.Endpoint, Token = null });
        await client.DownloadAsync("o/m", "main", scratch.Path, null, CancellationToken.None);
        Assert.Equal(1, hub.CdnRequests);
        await client.DownloadAsync("o/m", "main", scratch.Path, null, CancellationToken.None);
        Assert.Equal(1, hub.CdnRequests);
        Assert.True(File.Exists(scratch.Combine("pytorch_model.bin")));
    }

    [Fact]
    public async Task A_corrupted_transfer_is_discarded_with_the_reason()
    {
        using var hub = new FakeHub();
        var files = GoldenFiles("esm2-tiny");
        hub.AddRepository("o/m", files);
        var corrupt = files["model.safetensors"].ToArray();
        corrupt[^1] ^= 0xFF;
        hub.CorruptCdnBody = corrupt;
        using var scratch = new TempDirectory();
        using var client = new HubClient(new HubOptions { Endpoint = hub.Endpoint, Token = null });

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("o/m", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("model.safetensors: SHA-256", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Combine("model.safetensors")));
        Assert.False(File.Exists(scratch.Combine("model.safetensors.part")));
    }

    [Fact]
    public async Task Unknown_repositories_and_bad_names_are_explained()
    {
        using var hub = new FakeHub();
        using var client = new HubClient(new HubOptions { Endpoint = hub.Endpoint, Token = null });
        using var scratch = new TempDirectory();
        var missing = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("nobody/nothing", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("set HF_TOKEN for gated or private models", missing.Message, StringComparison.Ordinal);

        var bad = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("../etc", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("is not a model repository id", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_hub_says_so()
    {
        using var client = new HubClient(new HubOptions { Endpoint = "http://127.0.0.1:9", Token = null, Timeout = TimeSpan.FromSeconds(10) });
        using var scratch = new TempDirectory();
        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("o/m", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("is the hub reachable from here?", error.Message, StringComparison.Ordinal);
    }
}
