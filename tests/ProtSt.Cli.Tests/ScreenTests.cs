using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst screen</c> on the embedded in-process silo.</summary>
public sealed class ScreenTests
{
    [Fact]
    public async Task Screen_writes_one_row_per_record_equal_to_embed()
    {
        using var scratch = new TempDirectory();
        var random = new Random(5);
        var sequences = Enumerable.Range(0, 60).Select(_ => RandomProteins.Sequence(random, 20, 400)).ToList();
        sequences.Add(sequences[3]);
        var fasta = scratch.Write("in.fasta", string.Concat(sequences.Select((s, i) => $">S{i}\n{s}\n")));
        var model = SharedModels.Golden("esm2-tiny");

        var screen = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--devices", "2");
        Assert.True(screen.ExitCode == 0, screen.Error);
        Assert.Contains("screened 61 records (60 distinct sequences", screen.Output, StringComparison.Ordinal);
        Assert.Contains("on 2 device(s)", screen.Output, StringComparison.Ordinal);
        Assert.StartsWith("job view: http://127.0.0.1:", screen.Output, StringComparison.Ordinal);

        var results = await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"));
        Assert.Equal("id\tlength\ttruncated", results[0]);
        Assert.Equal(sequences.Select((s, i) => $"S{i}\t{s.Length}\tfalse"), results[1..]);

        Assert.Equal(0, (await Protst.RunAsync("embed", "-m", model, "--fasta", fasta, "-o", scratch.Combine("embed.tsv"))).ExitCode);
        var expected = (await File.ReadAllLinesAsync(scratch.Combine("embed.tsv"))).Select(l => l.Split('\t')[1..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        var actual = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("out", "embeddings.parquet"), CancellationToken.None);
        Assert.Equal(sequences.Select((_, i) => $"S{i}"), actual.Select(r => r.Id));
        for (var i = 0; i < actual.Count; i++)
        {
            var diff = actual[i].Vector.Zip(expected[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(diff <= 1e-5, $"S{i}: {diff}");
        }
    }

    [Fact]
    public async Task Repeats_across_shards_are_computed_once_and_take_their_first_occurrences_row_in_input_order()
    {
        using var scratch = new TempDirectory();
        var random = new Random(8);
        var firsts = Enumerable.Range(0, 20).Select(_ => RandomProteins.Sequence(random, 20, 200)).ToList();

        // Shards of 8: records 20..39 repeat records 0..19 (lower-case, so equal only after normalization), mostly from earlier shards.
        var fasta = scratch.Write("in.fasta", string.Concat(firsts.Select((s, i) => $">F{i}\n{s}\n")) + string.Concat(firsts.Select((s, i) => $">R{i}\n{s.ToLowerInvariant()}\n")));
        var model = SharedModels.Golden("esm2-tiny");
        var screen = await Protst.RunAsync(new Dictionary<string, string> { ["PROTST_Screen__ShardSize"] = "8" }, "screen", "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--keep-view", "false");
        Assert.True(screen.ExitCode == 0, screen.Error);
        Assert.Contains("screened 40 records (20 distinct sequences", screen.Output, StringComparison.Ordinal);

        var ids = Enumerable.Range(0, 20).Select(i => $"F{i}").Concat(Enumerable.Range(0, 20).Select(i => $"R{i}")).ToList();
        var results = (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv")))[1..];
        Assert.Equal(ids, results.Select(r => r.Split('\t')[0]));
        Assert.Equal(results[..20].Select(r => r.Split('\t', 2)[1]), results[20..].Select(r => r.Split('\t', 2)[1]));
        var rows = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("out", "embeddings.parquet"), CancellationToken.None);
        Assert.Equal(ids, rows.Select(r => r.Id));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(rows[i].Vector, rows[20 + i].Vector);
        }
    }

    [Fact]
    public async Task Screen_keeps_its_job_view_open_after_the_job_when_asked()
    {
        using var scratch = new TempDirectory();
        var fasta = scratch.Write("in.fasta", string.Concat(Enumerable.Range(0, 30).Select(i => $">Q{i}\nMKVLAAGICDE{new string('L', i + 5)}\n")));
        var model = SharedModels.Golden("esm2-tiny");

        using var screen = Processes.StartProtst("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--keep-view");
        try
        {
            var lines = await Processes.WaitForLineAsync(screen, "job view stays open at", TimeSpan.FromMinutes(2));
            var view = new Uri(Regex.Match(lines[0], @"^job view: (\S+)$").Groups[1].Value);
            Assert.Equal("127.0.0.1", view.Host);
            Assert.Contains($"job view stays open at {view};", lines[^1], StringComparison.Ordinal);

            // After the job the page and its figures are still served.
            using var http = new HttpClient();
            Assert.Contains("throughput-chart", await http.GetStringAsync(view), StringComparison.Ordinal);
            using var job = JsonDocument.Parse(await http.GetStringAsync(new Uri(view, $"/api/jobs/{view.Segments[^1]}")));
            Assert.True(job.RootElement.GetProperty("completed").GetBoolean());
            Assert.Equal(30, job.RootElement.GetProperty("rows").GetInt64());
            Assert.False(screen.HasExited);
        }
        finally
        {
            await Processes.StopAsync([screen]);
        }
    }

    [Fact]
    public async Task Invalid_records_are_skipped_or_fatal_with_file_and_line()
    {
        using var scratch = new TempDirectory();
        var fasta = scratch.Write("in.fasta", ">a\nMKVL\n>b\nMK1L\n>c\n>d\nLLAV\n");
        var model = SharedModels.Golden("esm2-tiny");

        var skip = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("skip"), "--on-invalid", "skip");
        Assert.True(skip.ExitCode == 0, skip.Error);
        Assert.Contains($"{fasta}:5: c: the record has no sequence", skip.Error, StringComparison.Ordinal);
        Assert.Contains($"{fasta}:3: b: character '1' at residue 3", skip.Error, StringComparison.Ordinal);
        Assert.Contains("screened 2 records", skip.Output, StringComparison.Ordinal);
        Assert.Equal(["a", "d"], (await File.ReadAllLinesAsync(scratch.Combine("skip", "results.tsv")))[1..].Select(l => l.Split('\t')[0]));

        var fail = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("fail"));
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains($"error: {fasta}:3: b: character '1' at residue 3", fail.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Screens_the_protst_dataset_csv_layout()
    {
        using var scratch = new TempDirectory();
        var model = SharedModels.Golden("esm1b-tiny");
        var csv = Path.Combine(AppContext.BaseDirectory, "fixtures", "data", "subloc-sample.csv");
        var screen = await Protst.RunAsync("screen", "-i", csv, "-m", model, "-o", scratch.Combine("out"));
        Assert.True(screen.ExitCode == 0, screen.Error);
        var rows = (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv")))[1..];
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r.Split('\t')[0]));
        Assert.Contains(rows, r => r.EndsWith("\ttrue", StringComparison.Ordinal) == (int.Parse(r.Split('\t')[1], CultureInfo.InvariantCulture) > 1022));
    }

    public static TheoryData<string, byte[], string> BadInputs() => new()
    {
        { "same-id.fasta", ">A\nMKV\n>A\nLLA\n>B\nMKV\n"u8.ToArray(), ":3: A: this id was used before for a different sequence" },
        { "garbage.fasta", [.. ">A\nMKV\n>B\nM"u8, 0x00, 0x01, .. "\n>C\nLLA\n"u8], ":4: B: binary data" },
        { "broken.fasta.gz", BrokenGzip(), "corrupt or truncated" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_inputs_are_reported_with_file_and_line_and_never_crash(string name, byte[] content, string expected)
    {
        using var scratch = new TempDirectory();
        var input = scratch.Combine(name);
        await File.WriteAllBytesAsync(input, content);
        var model = SharedModels.Golden("esm2-tiny");

        var fail = await Protst.RunAsync("screen", "-i", input, "-m", model, "-o", scratch.Combine("fail"));
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains($"error: {input}", fail.Error, StringComparison.Ordinal);
        Assert.Contains(expected, fail.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", fail.Error, StringComparison.Ordinal);

        if (!name.EndsWith(".gz", StringComparison.Ordinal))
        {
            var skip = await Protst.RunAsync("screen", "-i", input, "-m", model, "-o", scratch.Combine("skip"), "--on-invalid", "skip");
            Assert.True(skip.ExitCode == 0, skip.Error);
            Assert.Contains($"skipped: {input}", skip.Error, StringComparison.Ordinal);
            Assert.Equal(3, (await File.ReadAllLinesAsync(scratch.Combine("skip", "results.tsv"))).Length);
        }
    }

    private static byte[] BrokenGzip()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 500).Select(i => $">P{i}\nMKVLLAACDEFGHIKLMNPQRSTVWY{"ACDEFGHIKLMNPQRSTVWY"[i % 20]}\n"))));
        }

        return buffer.ToArray()[..(int)(buffer.Length / 2)];
    }
}
