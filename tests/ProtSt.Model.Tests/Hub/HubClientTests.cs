using System.Globalization;
using System.Text;
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
        using var client = new HubClient(Options(hub));

        var result = await client.DownloadAsync("facebook/esm2-tiny", "main", scratch.Combine("hf"), null, CancellationToken.None);

        Assert.Equal(["config.json", "model.safetensors"], result.Files);
        Assert.Equal("facebook/esm2-tiny", result.Repository);
        Assert.False(File.Exists(scratch.Combine("hf", "README.md")));
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny");
        Assert.Equal(File.ReadAllBytes(Path.Combine(golden, "model.safetensors")), File.ReadAllBytes(scratch.Combine("hf", "model.safetensors")));
        var manifest = ModelConverter.Convert(scratch.Combine("hf"), scratch.Combine("model"));
        Assert.Equal(FileHash.Sha256(Path.Combine(golden, "model.safetensors")), manifest.Source.Single(f => f.Name == "model.safetensors").Sha256);
    }

    [Fact]
    public async Task An_esm_package_esmc_repository_without_config_downloads_and_converts()
    {
        using var hub = new FakeHub();
        hub.AddRepository("biohub/esmc-tiny-2024-12", new Dictionary<string, byte[]>(GoldenFiles("esmc-tiny")) { ["README.md"] = "# model card"u8.ToArray() });
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));

        var result = await client.DownloadAsync("biohub/esmc-tiny-2024-12", "main", scratch.Combine("hf"), null, CancellationToken.None);

        Assert.Equal(["model.safetensors"], result.Files);
        Assert.Equal("esmc", ModelConverter.Convert(scratch.Combine("hf"), scratch.Combine("model")).Architecture);
    }

    [Fact]
    public async Task Verified_files_are_not_fetched_again()
    {
        using var hub = new FakeHub();
        hub.AddRepository("o/m", GoldenFiles("esm2-tiny-bin"));
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));
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
        using var client = new HubClient(Options(hub));

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("o/m", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("model.safetensors: SHA-256", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Combine("model.safetensors")));
        Assert.False(File.Exists(scratch.Combine("model.safetensors.part")));
    }

    [Fact]
    public async Task Unknown_repositories_and_bad_names_are_explained()
    {
        using var hub = new FakeHub();
        using var client = new HubClient(Options(hub));
        using var scratch = new TempDirectory();
        var missing = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("nobody/nothing", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("set HF_TOKEN for gated or private models", missing.Message, StringComparison.Ordinal);

        var bad = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("../etc", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("is not a model repository id", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_hub_says_so()
    {
        using var client = new HubClient(new HubOptions { Endpoint = "http://127.0.0.1:9", Token = null, Timeout = TimeSpan.FromSeconds(10), MaxAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(10) });
        using var scratch = new TempDirectory();
        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync("o/m", "main", scratch.Path, null, CancellationToken.None));
        Assert.Contains("3 times (is the hub reachable from here?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dataset_repository_downloads_every_file_in_its_folders_verified()
    {
        using var hub = new FakeHub();
        var test = SplitFile(3000, 1);
        hub.AddDataset("mila-intel/ProtST-BinaryLocalization", new Dictionary<string, byte[]>
        {
            ["README.md"] = "# dataset card"u8.ToArray(),
            ["data/train.csv"] = SplitFile(5000, 2),
            ["data/test.csv"] = test,
        });
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));

        var result = await client.DownloadDatasetAsync("mila-intel/ProtST-BinaryLocalization", "main", scratch.Path, null, CancellationToken.None);

        Assert.Equal(["README.md", "data/test.csv", "data/train.csv"], result.Files);
        Assert.Equal(test, File.ReadAllBytes(scratch.Combine("data", "test.csv")));
        Assert.False(File.Exists(scratch.Combine(".gitattributes")));
        Assert.Equal(2, hub.CdnRequests);

        // A model id is not a dataset: the dataset API has never heard of it.
        hub.AddRepository("o/model", GoldenFiles("esm2-tiny"));
        var notDataset = await Assert.ThrowsAsync<HubException>(() => client.DownloadDatasetAsync("o/model", "main", scratch.Combine("x"), null, CancellationToken.None));
        Assert.Contains("gated or private datasets", notDataset.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_the_hub_answers()
    {
        using var hub = new FakeHub();
        hub.AddRepository("o/m", GoldenFiles("esm2-tiny"));
        hub.HubFailures = 2;
        hub.StorageFailures = 2;
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));
        var retries = new List<string>();

        await client.DownloadAsync("o/m", "main", scratch.Path, new Inline(p => retries.AddRange(p.Retry is { } r ? [r] : [])), CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(Path.Combine(Golden("esm2-tiny"), "model.safetensors")), File.ReadAllBytes(scratch.Combine("model.safetensors")));
        Assert.Equal(3, hub.CdnRequests);
        Assert.Equal(["HTTP 503", "HTTP 503"], retries);

        // Past the attempts allowed, the error says how often it tried.
        hub.StorageFailures = 10;
        using var impatient = new HubClient(Options(hub) with { MaxAttempts = 2 });
        var error = await Assert.ThrowsAsync<HubException>(() => impatient.DownloadAsync("o/m", "main", scratch.Combine("again"), null, CancellationToken.None));
        Assert.Contains("model.safetensors: HTTP 503, 2 times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_cut_mid_file_resumes_with_a_range_request()
    {
        using var hub = new FakeHub();
        var files = GoldenFiles("esm2-tiny");
        hub.AddRepository("o/m", files);
        hub.CutStorageAfter = 20_000;
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));
        var retries = new List<string>();

        await client.DownloadAsync("o/m", "main", scratch.Path, new Inline(p => retries.AddRange(p.Retry is { } r ? [r] : [])), CancellationToken.None);

        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(scratch.Combine("model.safetensors")));
        Assert.Equal([null, "bytes=20000-"], hub.StorageRanges);
        Assert.Contains("broke off after 20000 bytes", Assert.Single(retries), StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Combine("model.safetensors.part")));
    }

    [Fact]
    public async Task A_stalled_transfer_and_a_slow_answer_time_out_and_are_retried()
    {
        // The hub's first answer comes after the 2 s request timeout, so the listing succeeds only by being retried; the
        // storage host goes silent for 3 s mid-file, far past the 0.3 s stall limit, so the stall timer fires first even
        // when a loaded test run delays it (with 1 s of silence, a CI run once saw the stand-in's abort first). (The
        // stand-in serves one request at a time, so a retry may also wait out the silence: only the first retry's reason
        // is fixed.)
        using var hub = new FakeHub { StallStorageAfter = 30_000, Silence = TimeSpan.FromSeconds(3), DelayNextHubAnswer = TimeSpan.FromSeconds(3) };
        var files = GoldenFiles("esm2-tiny");
        hub.AddRepository("o/m", files);
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub) with { Timeout = TimeSpan.FromSeconds(2), StallTimeout = TimeSpan.FromMilliseconds(300) });
        var retries = new List<string>();

        await client.DownloadAsync("o/m", "main", scratch.Path, new Inline(p => retries.AddRange(p.Retry is { } r ? [r] : [])), CancellationToken.None);

        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(scratch.Combine("model.safetensors")));
        Assert.Equal("the transfer broke off after 30000 bytes (timed out)", retries[0]);
        Assert.Null(hub.StorageRanges[0]);
        Assert.All(hub.StorageRanges.Skip(1), r => Assert.Equal("bytes=30000-", r));
    }

    [Fact]
    public async Task A_partial_file_from_an_earlier_run_is_continued_and_a_stale_one_started_over()
    {
        using var hub = new FakeHub();
        var files = GoldenFiles("esm2-tiny");
        hub.AddRepository("o/m", files);
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));
        var weights = files["model.safetensors"];

        Directory.CreateDirectory(scratch.Combine("good"));
        Directory.CreateDirectory(scratch.Combine("stale"));
        File.WriteAllBytes(scratch.Combine("good", "model.safetensors.part"), weights[..5000]);
        await client.DownloadAsync("o/m", "main", scratch.Combine("good"), null, CancellationToken.None);
        Assert.Equal(weights, File.ReadAllBytes(scratch.Combine("good", "model.safetensors")));
        Assert.Equal(["bytes=5000-"], hub.StorageRanges);

        // The prefix of another file: the resumed result fails its hash, so the file is fetched once more, whole.
        File.WriteAllBytes(scratch.Combine("stale", "model.safetensors.part"), new byte[5000]);
        await client.DownloadAsync("o/m", "main", scratch.Combine("stale"), null, CancellationToken.None);
        Assert.Equal(weights, File.ReadAllBytes(scratch.Combine("stale", "model.safetensors")));
        Assert.Equal(["bytes=5000-", "bytes=5000-", null], hub.StorageRanges);
    }

    [Fact]
    public async Task A_renamed_repository_is_followed_to_its_new_name()
    {
        using var hub = new FakeHub();
        hub.AddDataset("mila-intel/subloc_template", new Dictionary<string, byte[]> { ["subloc_template.csv"] = "id,name\n0,Nucleus\n"u8.ToArray() });
        hub.Rename("Jiqing/subloc_template", "mila-intel/subloc_template");
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));

        var result = await client.DownloadDatasetAsync("Jiqing/subloc_template", "main", scratch.Path, null, CancellationToken.None);

        Assert.Equal("mila-intel/subloc_template", result.Repository);
        Assert.True(result.Renamed("Jiqing/subloc_template"));
        Assert.Equal("id,name\n0,Nucleus\n", File.ReadAllText(scratch.Combine("subloc_template.csv")));
    }

    [Fact]
    public async Task The_token_reaches_the_hub_but_never_the_storage_host_a_redirect_points_to()
    {
        using var hub = new FakeHub { RequiredToken = "hf_secret" };
        hub.AddRepository("o/private", GoldenFiles("esm2-tiny"));
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub) with { Token = "hf_secret" });

        await client.DownloadAsync("o/private", "main", scratch.Path, null, CancellationToken.None);

        Assert.True(File.Exists(scratch.Combine("model.safetensors")));
        Assert.NotEqual(new Uri(hub.Endpoint).Host, new Uri(hub.StorageEndpoint).Host);
        Assert.Equal([null], hub.StorageAuthorizations);

        using var anonymous = new HubClient(Options(hub));
        var refused = await Assert.ThrowsAsync<HubException>(() => anonymous.DownloadAsync("o/private", "main", scratch.Combine("anonymous"), null, CancellationToken.None));
        Assert.Contains("set HF_TOKEN", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listed_file_name_that_leaves_the_output_folder_is_refused()
    {
        using var hub = new FakeHub();
        hub.AddDataset("o/d", new Dictionary<string, byte[]> { ["../escape.csv"] = "x"u8.ToArray() });
        using var scratch = new TempDirectory();
        using var client = new HubClient(Options(hub));

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadDatasetAsync("o/d", "main", scratch.Combine("out"), null, CancellationToken.None));
        Assert.Contains("'../escape.csv', which is not a relative path", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Combine("escape.csv")));
    }

    private static HubOptions Options(FakeHub hub) => new() { Endpoint = hub.Endpoint, Token = null, RetryDelay = TimeSpan.FromMilliseconds(10) };

    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", name);

    /// <summary>A split file in the ProtST layout, large enough (over 1 KB) to be an LFS file.</summary>
    private static byte[] SplitFile(int bytes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("Unnamed: 0,prot_seq,localization\n");
        for (var row = 0; text.Length < bytes; row++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{row},{string.Join(' ', Enumerable.Range(0, 40).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]))},{row % 2}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reports synchronously, in order, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class Inline(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value) => report(value);
    }
}
