using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Pipeline.Tests;

/// <summary>
/// What a protein's extracted outputs are read as from a batch's outputs (synthetic, every slot the model side fills),
/// how windows combine, and the residue and contact files: bounded row groups, read back and assembled in order.
/// </summary>
public sealed class ExtractionOutputTests
{
    // B = 2 rows, T = 6 tokens, D = 3, layers 0 and 2 of a 2-layer model; every value names its slot.
    private static BatchOutputs Synthetic()
    {
        const int B = 2, T = 6, D = 3;
        float Value(int row, int layer, int token, int d) => (row * 1000) + (layer * 100) + (token * 10) + d;
        var layers = new[] { 0, 2 };
        var layerResidues = new float[B * layers.Length * T * D];
        var layerPooled = new float[B * layers.Length * D];
        var residues = new float[B * T * D];
        for (var b = 0; b < B; b++)
        {
            for (var l = 0; l < layers.Length; l++)
            {
                for (var t = 0; t < T; t++)
                {
                    for (var d = 0; d < D; d++)
                    {
                        layerResidues[((((b * layers.Length) + l) * T) + t) * D + d] = Value(b, layers[l], t, d);
                        if (layers[l] == 2)
                        {
                            residues[((b * T) + t) * D + d] = Value(b, 2, t, d);
                        }
                    }
                }

                for (var d = 0; d < D; d++)
                {
                    layerPooled[(((b * layers.Length) + l) * D) + d] = -Value(b, layers[l], 0, d);
                }
            }
        }

        var contacts = Enumerable.Range(0, B * T * T).Select(i => (float)i).ToArray();
        return new BatchOutputs(B, T, D, [7, 7, 7, 8, 8, 8])
        {
            Residues = residues,
            LayerNumbers = layers,
            LayerPooled = layerPooled,
            LayerResidues = layerResidues,
            Contacts = contacts,
        };
    }

    [Fact]
    public void A_proteins_layers_come_from_their_slots_residues_skip_cls_and_contacts_drop_the_special_tokens()
    {
        // Row 1 holds 3 residues: tokens <cls>, r1, r2, r3, <eos>, <pad>.
        var states = new ProteinStates(Synthetic(), row: 1, residues: 3, modelLayers: 2);

        Assert.Equal([8f, 8f, 8f], states.Mean(2));
        Assert.Equal([-1000f, -1001f, -1002f], states.Mean(0));
        Assert.Equal([1000f, 1001f, 1002f], states.Bos(0));
        Assert.Equal([1200f, 1201f, 1202f], states.Bos(2));
        var state = new float[3];
        states.CopyResidue(0, 2, state);
        Assert.Equal([1030f, 1031f, 1032f], state);
        states.CopyResidue(2, 0, state);
        Assert.Equal([1210f, 1211f, 1212f], state);
        Assert.Throws<ArgumentOutOfRangeException>(() => states.CopyResidue(2, 3, state));
        Assert.Throws<InvalidOperationException>(() => states.Mean(1));

        // Row 1's [T, T] map starts at 36; residue i is token i + 1.
        Assert.Equal([43f, 44f, 45f, 49f, 50f, 51f, 55f, 56f, 57f], states.Contacts());
    }

    [Fact]
    public void A_proteins_cls_states_come_from_the_cls_slot_when_the_batch_has_no_residue_states_and_a_row_copied_alone_reads_as_in_its_batch()
    {
        var full = Synthetic();

        // What a batch asked for layer means and <cls> without residues holds: the [B, layers, D] slot, no states.
        var bos = new float[2 * 2 * 3];
        for (var i = 0; i < bos.Length; i++)
        {
            bos[i] = 0.5f + i;
        }

        var light = new ProteinStates(full with { Residues = null, LayerResidues = null, LayerBos = bos }, row: 1, residues: 3, modelLayers: 2);
        Assert.Equal([6.5f, 7.5f, 8.5f], light.Bos(0));
        Assert.Equal([9.5f, 10.5f, 11.5f], light.Bos(2));
        Assert.Equal([-1000f, -1001f, -1002f], light.Mean(0));

        // A long protein's window keeps its row alone, not its batch: every read gives what the batch's row gives.
        var inBatch = new ProteinStates(full, row: 1, residues: 3, modelLayers: 2);
        var alone = new ProteinStates(full.RowOf(1), row: 0, residues: 3, modelLayers: 2);
        Assert.Equal(1, full.RowOf(1).BatchSize);
        foreach (var layer in new[] { 0, 2 })
        {
            Assert.Equal(inBatch.Mean(layer), alone.Mean(layer));
            Assert.Equal(inBatch.Bos(layer), alone.Bos(layer));
            for (var residue = 0; residue < 3; residue++)
            {
                var (expected, actual) = (new float[3], new float[3]);
                inBatch.CopyResidue(layer, residue, expected);
                alone.CopyResidue(layer, residue, actual);
                Assert.Equal(expected, actual);
            }
        }

        Assert.Equal(inBatch.Contacts(), alone.Contacts());
    }

    [Fact]
    public void Windows_cover_the_protein_half_a_window_apart_and_combine_weighted_toward_their_centres()
    {
        Assert.Equal([new ResidueWindow(0, 10)], ResidueWindows.Plan(10, 10));
        Assert.Equal([new ResidueWindow(0, 8), new ResidueWindow(4, 8), new ResidueWindow(6, 8)], ResidueWindows.Plan(14, 8));
        foreach (var (n, w) in new[] { (1100, 1022), (3000, 1022), (65, 64), (500, 8) })
        {
            var windows = ResidueWindows.Plan(n, w);
            Assert.Equal(0, windows[0].Start);
            Assert.Equal(n, windows[^1].End);
            Assert.All(windows, x => Assert.True(x.Length <= w));
            Assert.All(windows.Zip(windows.Skip(1)), p => Assert.True(p.Second.Start < p.First.End, "windows overlap"));
        }

        // Two windows of 3 residues over 4 residues, [0, 3) and [1, 4), from rows 0 and 1 of one batch (layer 2).
        var outputs = Synthetic();
        var states = new ProteinStates([(new ResidueWindow(0, 3), outputs, 0), (new ResidueWindow(1, 3), outputs, 1)], modelLayers: 2);
        Assert.Equal(4, states.Residues);
        Assert.Equal(2, states.Windows);
        var state = new float[3];

        // Residue 1: window 0 at its centre (weight 2), window 1 at its edge (weight 1): (2·220 + 1·1210) / 3.
        states.CopyResidue(2, 1, state);
        Assert.Equal((2 * 220f + 1210f) / 3, state[0], 3);

        // Residue 0 only window 0 covers; residue 3 only window 1 (its token 3).
        states.CopyResidue(2, 0, state);
        Assert.Equal(210f, state[0]);
        states.CopyResidue(2, 3, state);
        Assert.Equal(1230f, state[0]);

        // The mean is the mean of the combined states; <cls> is the first window's.
        var expected = Enumerable.Range(0, 4).Select(r =>
        {
            states.CopyResidue(2, r, state);
            return state[0];
        }).Average();
        Assert.Equal(expected, states.Mean(2)[0], 3);
        Assert.Equal(200f, states.Bos(2)[0]);
        Assert.Throws<InvalidOperationException>(() => states.Contacts());
    }

    [Fact]
    public async Task Residue_files_hold_bounded_row_groups_and_assemble_in_order_with_their_int_columns()
    {
        using var scratch = new TempDirectory();
        var expected = new List<(string Id, int Layer, int Position, float[] State)>();
        var parts = new List<string>();
        for (var part = 0; part < 2; part++)
        {
            var directory = scratch.Combine($"part-{part}");
            Directory.CreateDirectory(directory);

            // 16 values a row group: 4 rows of 4 floats.
            await using (var writer = ResiduesTable.Create(directory, valuesPerRowGroup: 16))
            {
                for (var i = 0; i < 10; i++)
                {
                    var row = ($"P{part}", 6, i + 1, new[] { part, i, -i, 0.5f });
                    expected.Add(row);
                    await writer.WriteAsync(row.Item1, [row.Item2, row.Item3], row.Item4, CancellationToken.None);
                }
            }

            parts.Add(ResiduesTable.PathIn(directory));
            await using var reader = await Parquet.ParquetReader.CreateAsync(ResiduesTable.PathIn(directory));
            Assert.Equal(3, reader.RowGroupCount);
            Assert.Equal(["id", "layer", "position", "state"], reader.Schema.DataFields.Select(f => f.Name));
        }

        var target = scratch.Combine(ResiduesTable.FileName);
        Assert.Equal(20, await ParquetRowGroupCopier.ConcatenateAsync(parts, target, CancellationToken.None));
        var actual = new List<(string, int, int, float[])>();
        await foreach (var (id, ints, values) in StateParquetReader.ReadAsync(target, [ResiduesTable.LayerColumn, ResiduesTable.PositionColumn], ResiduesTable.StateColumn, null, CancellationToken.None))
        {
            actual.Add((id, ints[0], ints[1], values));
        }

        Assert.Equal(expected.Select(e => (e.Id, e.Layer, e.Position)), actual.Select(a => (a.Item1, a.Item2, a.Item3)));
        Assert.Equal(expected.SelectMany(e => e.State), actual.SelectMany(a => a.Item4));
    }

    [Fact]
    public async Task Writers_open_at_once_keep_each_row_of_any_length_whole_across_row_groups()
    {
        // Shards in flight each hold a writer: rows of 1 to 40 values, some longer than a row group's bound, written to
        // two files in turn, must read back as written, each row's list whole.
        using var scratch = new TempDirectory();
        var random = new Random(22);
        var expected = new[] { new List<(string Id, int Position, float[] State)>(), [] };
        Directory.CreateDirectory(scratch.Combine("a"));
        Directory.CreateDirectory(scratch.Combine("b"));
        StateParquetWriter[] writers = [ResiduesTable.Create(scratch.Combine("a"), valuesPerRowGroup: 32), ResiduesTable.Create(scratch.Combine("b"), valuesPerRowGroup: 32)];
        for (var i = 0; i < 60; i++)
        {
            var file = i % 2;
            var state = Enumerable.Range(0, random.Next(1, 41)).Select(_ => (float)random.NextDouble()).ToArray();
            expected[file].Add(($"P{i}", i + 1, state));
            await writers[file].WriteAsync($"P{i}", [6, i + 1], state, CancellationToken.None);
        }

        foreach (var writer in writers)
        {
            await writer.DisposeAsync();
        }

        foreach (var (name, file) in new[] { ("a", 0), ("b", 1) })
        {
            var actual = new List<(string Id, int Position, float[] State)>();
            await foreach (var (id, ints, values) in StateParquetReader.ReadAsync(ResiduesTable.PathIn(scratch.Combine(name)), [ResiduesTable.LayerColumn, ResiduesTable.PositionColumn], ResiduesTable.StateColumn, null, CancellationToken.None))
            {
                actual.Add((id, ints[1], values));
            }

            Assert.Equal(expected[file].Select(e => (e.Id, e.Position)), actual.Select(a => (a.Id, a.Position)));
            Assert.All(expected[file].Zip(actual), pair => Assert.Equal(pair.First.State, pair.Second.State));

            // A row group stays within the bound (what a shard holds), unless one row alone is longer than it.
            await using var reader = await Parquet.ParquetReader.CreateAsync(ResiduesTable.PathIn(scratch.Combine(name)));
            var state = reader.Schema.DataFields.Single(f => f.Name == ResiduesTable.StateColumn);
            var groups = Enumerable.Range(0, reader.RowGroupCount).Select(g => reader.OpenRowGroupReader(g)).ToList();
            Assert.All(groups, group => Assert.True(group.GetMetadata(state)!.MetaData!.NumValues <= 32 || group.RowCount == 1, $"{group.RowCount} rows, {group.GetMetadata(state)!.MetaData!.NumValues} values"));
            Assert.Equal(expected[file].Count, groups.Sum(g => g.RowCount));
        }
    }
}
