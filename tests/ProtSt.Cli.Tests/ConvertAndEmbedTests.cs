using System.Globalization;
using System.Text;
using System.Text.Json;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst model convert</c> then <c>protst embed</c> reproduce the PyTorch goldens' mean embeddings within 1e-4.</summary>
public sealed class ConvertAndEmbedTests
{
    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", name);

    [Theory]
    [InlineData("esm2-tiny", "fp32")]
    [InlineData("esm1b-tiny", "fp32")]
    [InlineData("esm2-tiny-bin", "fp32")]
    public async Task Tsv_embeddings_match_the_golden_means(string golden, string dtype)
    {
        using var scratch = new TempDirectory();
        var (ids, fasta) = WriteCases(scratch, golden);
        var convert = await Protst.RunAsync("model", "convert", Golden(golden), "-o", scratch.Combine("model"), "--dtype", dtype);
        Assert.True(convert.ExitCode == 0, convert.Error);
        Assert.Contains("converted", convert.Output, StringComparison.Ordinal);

        var embed = await Protst.RunAsync("embed", "--model", scratch.Combine("model"), "--fasta", fasta, "-o", scratch.Combine("out.tsv"), "--format", "tsv");
        Assert.True(embed.ExitCode == 0, embed.Error);
        Assert.Contains("embedded 5 sequences", embed.Output, StringComparison.Ordinal);

        var expected = SafetensorsReader.Read(Path.Combine(Golden(golden), "expected.safetensors")).Get("mean_residue_embedding");
        var width = (int)expected.Shape[1];
        var values = expected.ReadFloat32();
        var lines = await File.ReadAllLinesAsync(scratch.Combine("out.tsv"));
        Assert.Equal(ids.Length, lines.Length);
        for (var row = 0; row < lines.Length; row++)
        {
            var fields = lines[row].Split('\t');
            Assert.Equal(ids[row], fields[0]);
            Assert.Equal(width + 1, fields.Length);
            var diff = fields[1..].Select((f, j) => Math.Abs(float.Parse(f, CultureInfo.InvariantCulture) - values[(row * width) + j])).Max();
            Assert.True(diff <= 1e-4, $"{ids[row]}: max |diff| {diff}");
        }
    }

    [Fact]
    public async Task Parquet_holds_the_same_values_as_tsv()
    {
        using var scratch = new TempDirectory();
        var (ids, fasta) = WriteCases(scratch, "esm2-tiny");
        var model = SharedModels.Golden("esm2-tiny");
        Assert.Equal(0, (await Protst.RunAsync("embed", "-m", model, "--fasta", fasta, "-o", scratch.Combine("e.tsv"))).ExitCode);
        Assert.Equal(0, (await Protst.RunAsync("embed", "-m", model, "--fasta", fasta, "-o", scratch.Combine("e.parquet"))).ExitCode);

        var parquet = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("e.parquet"), CancellationToken.None);
        var tsv = (await File.ReadAllLinesAsync(scratch.Combine("e.tsv"))).Select(l => l.Split('\t')).ToList();
        Assert.Equal(ids, parquet.Select(r => r.Id));
        for (var i = 0; i < tsv.Count; i++)
        {
            Assert.Equal(tsv[i][1..].Select(f => float.Parse(f, CultureInfo.InvariantCulture)), parquet[i].Vector);
        }
    }

    [Fact]
    public async Task Invalid_records_are_skipped_with_file_and_line_or_stop_the_run()
    {
        using var scratch = new TempDirectory();
        var fasta = scratch.Combine("in.fasta");
        await File.WriteAllTextAsync(fasta, ">good\nMKVLA\n>bad\nMK1V\n>empty\n>good2\nLLA\n");
        var model = SharedModels.Golden("esm2-tiny");

        var skip = await Protst.RunAsync("embed", "-m", model, "--fasta", fasta, "-o", scratch.Combine("s.tsv"), "--on-invalid", "skip");
        Assert.True(skip.ExitCode == 0, skip.Error);
        Assert.Contains($"{fasta}:3: bad:", skip.Error, StringComparison.Ordinal);
        Assert.Contains($"{fasta}:5: empty: the record has no sequence", skip.Error, StringComparison.Ordinal);
        Assert.Equal(["good", "good2"], (await File.ReadAllLinesAsync(scratch.Combine("s.tsv"))).Select(l => l.Split('\t')[0]));

        var fail = await Protst.RunAsync("embed", "-m", model, "--fasta", fasta, "-o", scratch.Combine("f.tsv"));
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains($"error: {fasta}:3: bad: character '1' at residue 3", fail.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fp16", null)]
    [InlineData("int8", "int8 symmetric per output channel, com.microsoft.DynamicQuantizeMatMul")]
    public async Task Reduced_precision_conversion_is_recorded_in_the_manifest(string dtype, string? quantization)
    {
        using var scratch = new TempDirectory();
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden("esm1b-tiny"), "-o", scratch.Combine("model"), "--dtype", dtype)).ExitCode);
        var info = await Protst.RunAsync("model", "info", scratch.Combine("model"));
        Assert.Equal(0, info.ExitCode);
        using var manifest = JsonDocument.Parse(info.Output);
        Assert.Equal(dtype, manifest.RootElement.GetProperty("weight_precision").GetString());
        Assert.Equal(quantization, manifest.RootElement.GetProperty("quantization").GetString());
        Assert.Equal("esm1b", manifest.RootElement.GetProperty("architecture").GetString());
    }

    [Fact]
    public async Task Bad_models_and_unavailable_devices_give_one_clear_error()
    {
        using var scratch = new TempDirectory();
        var notConverted = await Protst.RunAsync("embed", "-m", Golden("esm2-tiny"), "--fasta", WriteCases(scratch, "esm2-tiny").Fasta, "-o", scratch.Combine("x.tsv"));
        Assert.Equal(1, notConverted.ExitCode);
        Assert.Contains("convert it first with 'protst model convert'", notConverted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", notConverted.Error, StringComparison.Ordinal);

        Directory.CreateDirectory(scratch.Combine("evil"));
        File.Copy(Path.Combine(Golden("esm2-tiny-bin"), "config.json"), Path.Combine(scratch.Combine("evil"), "config.json"));
        await File.WriteAllBytesAsync(Path.Combine(scratch.Combine("evil"), "pytorch_model.bin"), EvilZip());
        var evil = await Protst.RunAsync("model", "convert", scratch.Combine("evil"), "-o", scratch.Combine("m"));
        Assert.Equal(1, evil.ExitCode);
        Assert.Contains("refuses to load global 'posix.system'", evil.Error, StringComparison.Ordinal);

        var model = SharedModels.Golden("esm2-tiny");
        var cuda = await Protst.RunAsync(
            new Dictionary<string, string> { ["PROTST_Inference__ExecutionProvider"] = "Cuda" },
            "embed", "-m", model, "--fasta", WriteCases(scratch, "esm2-tiny").Fasta, "-o", scratch.Combine("c.tsv"));
        if (!Model.Inference.RuntimeFlavor.HasCuda)
        {
            // The environment variable reaches embed's session: the CPU build says which build CUDA needs.
            Assert.Equal(1, cuda.ExitCode);
            Assert.Contains("-p:Accelerator=Cuda", cuda.Error, StringComparison.Ordinal);
        }
    }

    private static (string[] Ids, string Fasta) WriteCases(TempDirectory scratch, string golden)
    {
        using var cases = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Golden(golden), "cases.json")));
        var records = cases.RootElement.GetProperty("sequences").EnumerateArray()
            .Select(c => (Id: c.GetProperty("id").GetString()!, Sequence: c.GetProperty("sequence").GetString()!))
            .ToArray();
        var fasta = scratch.Combine(golden + ".fasta");
        File.WriteAllText(fasta, string.Concat(records.Select(r => $">{r.Id} from {golden}\n{r.Sequence}\n")));
        return (records.Select(r => r.Id).ToArray(), fasta);
    }

    private static byte[] EvilZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry("archive/data.pkl").Open())
        {
            entry.Write([0x80, 0x02, .. Encoding.ASCII.GetBytes("cposix\nsystem\n(X"), 5, 0, 0, 0, .. "id -u"u8, (byte)'t', (byte)'R', (byte)'.']);
        }

        return buffer.ToArray();
    }
}
