using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;
using ProtSt.Testing;
using Xunit.Abstractions;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst screen --include ... --layers ... --long ...</c> through the embedded cluster, against each protein run alone.</summary>
public sealed class ExtractionTests(ITestOutputHelper output)
{
    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", name);

    [Fact]
    public async Task Screen_with_include_gives_every_proteins_residues_bos_and_means_equal_to_it_run_alone()
    {
        using var scratch = new TempDirectory();
        var random = new Random(22);
        var sequences = Enumerable.Range(0, 20).Select(_ => RandomProteins.Sequence(random, 5, 160)).ToList();

        // Record 20 repeats record 2 from an earlier shard, record 21 repeats record 20 within its shard.
        sequences.Add(sequences[2]);
        sequences.Add(sequences[2]);
        var fasta = scratch.Write("in.fasta", string.Concat(sequences.Select((s, i) => $">S{i}\n{s}\n")));
        var model = scratch.Combine("model");
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden("esm2-tiny"), "-o", model)).ExitCode);

        var screen = await Protst.RunAsync(
            new Dictionary<string, string> { ["PROTST_Screen__ShardSize"] = "8" },
            "screen", "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--keep-view", "false", "--include", "mean,per-residue,bos", "--layers", "-1,2");
        Assert.True(screen.ExitCode == 0, screen.Error);

        var vectors = new List<(string Id, float[][] Vectors)>();
        await foreach (var row in EmbeddingsTable.ReadVectorsAsync(scratch.Combine("out", EmbeddingsTable.FileName), ["embedding", "mean_2", "bos_2"], CancellationToken.None))
        {
            vectors.Add(row);
        }

        var residues = new List<(string Id, int[] Ints, float[] State)>();
        await foreach (var row in StateParquetReader.ReadAsync(
            scratch.Combine("out", ResiduesTable.FileName), [ResiduesTable.LayerColumn, ResiduesTable.PositionColumn], ResiduesTable.StateColumn, null, CancellationToken.None))
        {
            residues.Add(row);
        }

        // One row per residue of layer 2 (-1 and 2 are one layer), positions 1..n, each protein's rows together (a
        // shard writes a protein's rows as its batch is done, so proteins come in the order they were computed).
        Assert.Equal(sequences.Select((_, i) => $"S{i}"), vectors.Select(v => v.Id));
        residues = ByRecord(residues, sequences.Count, "S");
        Assert.Equal(sequences.SelectMany((s, i) => Enumerable.Range(1, s.Length).Select(p => ($"S{i}", 2, p))), residues.Select(r => (r.Id, r.Ints[0], r.Ints[1])));

        // Batch independence through the cluster: each protein alone in a bare session gives the same numbers.
        using var session = EncoderSession.Open(model, new InferenceOptions { IntraOpThreads = 1 });
        var tokenizer = session.Folder.CreateTokenizer();
        var next = 0;
        for (var i = 0; i < sequences.Count; i++)
        {
            var alone = session.Run(EncodedBatch.Create([tokenizer.Encode(sequences[i])], tokenizer.PadId), OutputRequest.Default.And(OutputKind.Residues));
            Assertions.Close(alone.PooledOf(0), vectors[i].Vectors[0], 1e-5, $"S{i} embedding");
            Assert.Equal(vectors[i].Vectors[0], vectors[i].Vectors[1]);
            Assertions.Close(alone.Hidden(0, 0), vectors[i].Vectors[2], 1e-5, $"S{i} bos");
            for (var p = 1; p <= sequences[i].Length; p++)
            {
                Assertions.Close(alone.Hidden(0, p), residues[next++].State, 1e-5, $"S{i} residue {p}");
            }
        }
    }

    [Fact]
    public async Task Embed_with_include_writes_the_screens_folder_and_a_middle_layers_means_and_cls_states_equal_to_each_protein_run_alone()
    {
        using var scratch = new TempDirectory();
        var sequences = new[] { "MKTAYIAKQRQISFVKSHFSRQ", "GSHMLEDPVAG", "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQ" };
        var fasta = scratch.Write("in.fasta", string.Concat(sequences.Select((s, i) => $">E{i}\n{s}\n")));
        var model = scratch.Combine("model");
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden("esm2-tiny"), "-o", model)).ExitCode);

        var embed = await Protst.RunAsync("embed", "--fasta", fasta, "-m", model, "-o", scratch.Combine("out"), "--include", "mean,bos", "--layers", "1");
        Assert.True(embed.ExitCode == 0, embed.Error);
        var vectors = new List<(string Id, float[][] Vectors)>();
        await foreach (var row in EmbeddingsTable.ReadVectorsAsync(scratch.Combine("out", EmbeddingsTable.FileName), ["embedding", "mean_1", "bos_1"], CancellationToken.None))
        {
            vectors.Add(row);
        }

        Assert.Equal(["E0", "E1", "E2"], vectors.Select(v => v.Id));
        using var session = EncoderSession.Open(model, new InferenceOptions { IntraOpThreads = 1 });
        var tokenizer = session.Folder.CreateTokenizer();
        for (var i = 0; i < sequences.Length; i++)
        {
            var alone = session.Run(EncodedBatch.Create([tokenizer.Encode(sequences[i])], tokenizer.PadId), new OutputRequest { Kinds = OutputKind.Pooled | OutputKind.Layers | OutputKind.Residues, Layers = [1] });
            Assertions.Close(alone.PooledOf(0), vectors[i].Vectors[0], 1e-5, $"E{i} embedding");
            Assertions.Close(alone.LayerPooledOf(0, 0), vectors[i].Vectors[1], 1e-5, $"E{i} mean_1");
            Assertions.Close(alone.LayerResiduesOf(0, 0)[..alone.HiddenSize], vectors[i].Vectors[2], 1e-5, $"E{i} bos_1");
        }

        // The single file's options have no meaning for the folder.
        var format = await Protst.RunAsync("embed", "--fasta", fasta, "-m", model, "-o", scratch.Combine("other"), "--include", "mean", "--format", "tsv");
        Assert.Equal(1, format.ExitCode);
        Assert.Equal(
            "error: --format is for embed's single file; with --include, --layers or --long, -o is a folder (embeddings.parquet, residues.parquet, contacts.parquet) and --long decides long proteins.",
            Assert.Single(format.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_layer_past_the_model_is_refused_in_one_line_and_contacts_without_a_contact_head_by_the_same_check()
    {
        using var scratch = new TempDirectory();
        var fasta = scratch.Write("in.fasta", ">A\nMKTAYIAKQR\n");
        var model = scratch.Combine("model");
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden("esm2-tiny"), "-o", model)).ExitCode);

        var layer = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("a"), "--keep-view", "false", "--include", "mean", "--layers", "0,3");
        Assert.Equal(1, layer.ExitCode);
        Assert.Equal(
            "error: --layers: Layer 3 does not exist: the model has 2 layers, numbered 0 (embeddings) to 2 (last), or -1 to -3 from the end.",
            Assert.Single(layer.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        // The same check refuses contacts from a model without a contact head, and windows for a model's head.
        var folder = ModelFolder.Open(model, verifyHashes: false);
        JobSpec Spec(string include, string longProteins, string? task = null) =>
            new("screen", fasta, scratch.Combine("c"), model, task, null, false, "{}", true, false, OutputLayout.Assembled, 8, 0, 8, 1, Extract: Extraction.Parse(include, null, longProteins, null).Extraction);
        var contacts = Assert.Throws<RequestRefusedException>(() => ExtractionCheck.Resolve(Spec("contacts", "truncate"), folder));
        Assert.StartsWith("--include/--layers: ", contacts.Message, StringComparison.Ordinal);
        Assert.Contains("its checkpoint has no contact head", contacts.Message, StringComparison.Ordinal);
        Assert.Equal([2], ExtractionCheck.Resolve(Spec("mean", "window"), folder)!.ResolvedLayers());
        Assert.Equal("contacts need the whole protein in one pass; use long truncate with contacts", Extraction.Parse("contacts", null, "window", null).Problem);
        Assert.Equal([0, 1, 2], Extraction.Parse("bos", "all", null, null).Extraction!.Resolve(2).ResolvedLayers());
        Assert.Equal("include takes mean, per-residue, bos, contacts (comma-separated), not 'logits'", Extraction.Parse("mean,logits", null, null, null).Problem);
    }

    [Fact]
    public async Task Long_window_covers_each_protein_with_windows_recorded_in_results_and_combines_close_to_the_exact_run()
    {
        using var scratch = new TempDirectory();
        var random = new Random(9);
        var sequences = new[] { 40, 64, 65, 150, 300 }.Select(n => RandomProteins.Sequence(random, n)).ToList();
        var fasta = scratch.Write("in.fasta", string.Concat(sequences.Select((s, i) => $">W{i}\n{s}\n")));
        var model = scratch.Combine("model");
        Assert.Equal(0, (await Protst.RunAsync("model", "convert", Golden("esm2-tiny"), "-o", model)).ExitCode);

        var screen = await Protst.RunAsync("screen", "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--keep-view", "false", "--include", "per-residue", "--long", "window", "--window-residues", "64");
        Assert.True(screen.ExitCode == 0, screen.Error);
        var results = await File.ReadAllLinesAsync(scratch.Combine("out", ResultsTable.FileName));
        Assert.Equal(["id\tlength\ttruncated\twindows", .. sequences.Select((s, i) => $"W{i}\t{s.Length}\tfalse\t{ResidueWindows.Plan(s.Length, 64).Count}")], results);

        var embeddings = await EmbeddingParquetReader.ReadAllAsync(scratch.Combine("out", EmbeddingsTable.FileName), CancellationToken.None);
        var rows = new List<(string Id, int[] Ints, float[] State)>();
        await foreach (var row in StateParquetReader.ReadAsync(
            scratch.Combine("out", ResiduesTable.FileName), [ResiduesTable.LayerColumn, ResiduesTable.PositionColumn], ResiduesTable.StateColumn, null, CancellationToken.None))
        {
            rows.Add(row);
        }

        rows = ByRecord(rows, sequences.Count, "W");
        Assert.Equal(sequences.SelectMany((s, i) => Enumerable.Range(1, s.Length).Select(p => ($"W{i}", p))), rows.Select(r => (r.Id, r.Ints[1])));
        var residues = rows.Select(r => r.State).ToList();
        using var session = EncoderSession.Open(model, new InferenceOptions { IntraOpThreads = 1 });
        var tokenizer = session.Folder.CreateTokenizer();
        var next = 0;
        for (var i = 0; i < sequences.Count; i++)
        {
            // The exact run: the whole protein in one pass (all of them fit the model's 1,022 residues).
            var exact = session.Run(EncodedBatch.Create([tokenizer.Encode(sequences[i])], tokenizer.PadId), OutputRequest.Default.And(OutputKind.Residues));
            var (stateDiff, stateNorm) = (0.0, 0.0);
            for (var p = 1; p <= sequences[i].Length; p++)
            {
                var expected = exact.Hidden(0, p);
                var actual = residues[next++];
                stateDiff = Math.Max(stateDiff, expected.ToArray().Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max());
                stateNorm = Math.Max(stateNorm, expected.ToArray().Max(v => Math.Abs((double)v)));
            }

            var meanDiff = exact.PooledOf(0).ToArray().Zip(embeddings[i].Vector, (a, b) => (double)Math.Abs(a - b)).Max();
            var cosine = Cosine(exact.PooledOf(0).ToArray(), embeddings[i].Vector);
            output.WriteLine($"W{i} ({sequences[i].Length} residues, {ResidueWindows.Plan(sequences[i].Length, 64).Count} windows of 64): max |state diff| {stateDiff:G3} (max |state| {stateNorm:G3}), max |mean diff| {meanDiff:G3}, mean cosine {cosine:F6}");

            // A protein that fits one window is the exact run; longer ones land near it.
            Assert.True(sequences[i].Length > 64 || stateDiff <= 1e-5, $"W{i}: {stateDiff}");
            Assert.True(cosine > 0.9, $"W{i}: cosine {cosine}");
        }
    }

    // residues.parquet's rows put in record order, after checking that each record's rows come together, in order.
    private static List<(string Id, int[] Ints, float[] State)> ByRecord(List<(string Id, int[] Ints, float[] State)> rows, int records, string prefix)
    {
        var runs = rows.Select(r => r.Id).Where((id, i) => i == 0 || rows[i - 1].Id != id).ToList();
        Assert.Equal(runs.Count, runs.Distinct().Count());
        var byId = rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.ToList());
        return [.. Enumerable.Range(0, records).SelectMany(i => byId.GetValueOrDefault($"{prefix}{i}") ?? [])];
    }

    private static double Cosine(float[] a, float[] b) =>
        a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));
}
