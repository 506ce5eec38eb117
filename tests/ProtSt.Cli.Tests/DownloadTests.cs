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

    [Fact]
    public async Task A_dataset_downloads_with_data_download_and_finetune_reads_its_split_and_label_files_as_they_come()
    {
        // The ProtST dataset layout (Unnamed: 0, prot_seq, localization) under data/, and a label table with a name column.
        using var hub = new FakeHub();
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "finetune-tiny");
        hub.AddDataset("mila-intel/ProtST-BinaryLocalization", new Dictionary<string, byte[]>
        {
            ["data/train.csv"] = File.ReadAllBytes(Path.Combine(golden, "train.csv")),
            ["data/validation.csv"] = File.ReadAllBytes(Path.Combine(golden, "valid.csv")),
            ["data/test.csv"] = File.ReadAllBytes(Path.Combine(golden, "test.csv")),
        });
        hub.AddDataset("o/binloc_template", new Dictionary<string, byte[]> { ["train.csv"] = ",name\n0,membrane\n1,soluble\n"u8.ToArray() });
        hub.CutStorageAfter = 2000;
        using var scratch = new TempDirectory();
        var environment = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint, ["HF_TOKEN"] = string.Empty };

        var download = await Protst.RunAsync(environment, "data", "download", "mila-intel/ProtST-BinaryLocalization", "-o", scratch.Combine("binloc"));
        Assert.True(download.ExitCode == 0, download.Error);
        Assert.Contains("downloaded data/test.csv, data/train.csv, data/validation.csv", download.Output, StringComparison.Ordinal);
        Assert.Contains("retrying from", download.Error, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Combine(golden, "train.csv")), File.ReadAllBytes(scratch.Combine("binloc", "data", "train.csv")));
        Assert.Equal(0, (await Protst.RunAsync(environment, "data", "download", "o/binloc_template", "-o", scratch.Combine("template"))).ExitCode);

        Assert.Equal(0, (await Protst.RunAsync("model", "convert", golden, "-o", scratch.Combine("classifier"))).ExitCode);
        var finetune = await Protst.RunAsync(
            "finetune", "--train", scratch.Combine("binloc", "data", "train.csv"), "--valid", scratch.Combine("binloc", "data", "validation.csv"),
            "--test", scratch.Combine("binloc", "data", "test.csv"), "--labels", scratch.Combine("template", "train.csv"),
            "--model", scratch.Combine("classifier"), "-o", scratch.Combine("tuned"), "--epochs", "3");
        Assert.True(finetune.ExitCode == 0, finetune.Error);
        Assert.Equal("id\tlabel\tpredicted", (await File.ReadAllLinesAsync(scratch.Combine("tuned", "test-predictions.tsv")))[0]);
        Assert.Contains("\tmembrane\t", await File.ReadAllTextAsync(scratch.Combine("tuned", "test-predictions.tsv")), StringComparison.Ordinal);

        var eval = await Protst.RunAsync("eval", "--input", scratch.Combine("binloc", "data", "test.csv"), "--model", scratch.Combine("tuned"), "--task", "classify", "-o", scratch.Combine("eval"));
        Assert.True(eval.ExitCode == 0, eval.Error);
        using var metrics = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(scratch.Combine("eval", "metrics.json")));
        Assert.Equal(16, metrics.RootElement.GetProperty("n").GetInt32());
    }
}
