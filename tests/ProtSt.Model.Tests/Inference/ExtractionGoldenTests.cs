using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Inference;

/// <summary>
/// Every layer, <c>&lt;cls&gt;</c>, means and contacts against fair-esm's extract.py outputs (the extract goldens: each
/// sequence run alone), run alone and batched together. The goldens keep each contact map as its upper triangle
/// (fair-esm's maps are symmetric: its head symmetrizes the attention maps before the regression; the full maps the
/// generator wrote differed from their transposes by at most 1.2e-7), so the lower triangle is checked against the
/// mirrored values.
/// </summary>
public sealed class ExtractionGoldenTests
{
    // The goldens' own tolerance for fp32 parity with PyTorch.
    private const double Tolerance = 1e-4;

    // A protein's outputs must not depend on its batch mates or padding (issue #22: within 1e-5 at fp32).
    private const double BatchTolerance = 1e-5;

    private static readonly OutputRequest Everything = new()
    {
        Kinds = OutputKind.Pooled | OutputKind.Layers | OutputKind.Residues | OutputKind.Bos | OutputKind.Contacts,
        Layers = [.. Enumerable.Range(0, 3)],
    };

    // Every layer, <cls> and per-residue states without contacts: what the layers graph serves.
    private static readonly OutputRequest Layers = Everything with { Kinds = Everything.Kinds & ~OutputKind.Contacts };

    // A request with contacts runs the contacts graph (always the plain path); one without runs the layers graph, on
    // the folder's variant, so both variants are checked.
    [Theory]
    [InlineData("esm2-extract-tiny", GraphVariant.Fused)]
    [InlineData("esm2-extract-tiny", GraphVariant.Plain)]
    [InlineData("esm1b-extract-tiny", GraphVariant.Fused)]
    [InlineData("esm1b-extract-tiny", GraphVariant.Plain)]
    public void Every_layer_mean_cls_and_contacts_match_fair_esm_alone_and_batched(string goldenName, GraphVariant variant)
    {
        var golden = Golden.Load(goldenName);
        using var model = new Converted(golden.Directory, variant, extract: true);
        Assert.True(model.Manifest.Extract!.Contacts);
        var encoded = golden.Cases.Select(c => model.Tokenizer.Encode(c.Sequence)).ToList();
        foreach (var request in new[] { Everything, Layers })
        {
            var alone = encoded.Select(e => model.Session.Run(EncodedBatch.Create([e], model.Tokenizer.PadId), request)).ToList();
            var batched = model.Session.Run(EncodedBatch.Create(encoded, model.Tokenizer.PadId), request);
            var graph = request.Wants(OutputKind.Contacts) ? "contacts graph" : $"layers graph ({variant})";
            for (var i = 0; i < encoded.Count; i++)
            {
                var what = $"{golden.Cases[i].Id}, {graph}";
                var n = encoded[i].ResidueCount;
                Assert.Equal(golden.Shape($"contacts_triu.{i}"), [n * (n + 1) / 2]);
                Matches(golden, i, alone[i], 0, n, Tolerance, what + " alone");
                Matches(golden, i, batched, i, n, Tolerance, what + " batched");
                SameRow(alone[i], batched, i, n, what);
            }
        }
    }

    [Fact]
    public void The_pooled_embedding_and_last_layer_agree_with_the_encoder_graph()
    {
        var golden = Golden.Load("esm2-extract-tiny");
        using var model = new Converted(golden.Directory, extract: true);
        var batch = EncodedBatch.Create(golden.Cases.Take(3).Select(c => model.Tokenizer.Encode(c.Sequence)).ToList(), model.Tokenizer.PadId);
        var encoder = model.Session.Run(batch, OutputRequest.Default.And(OutputKind.Residues));
        var extracted = model.Session.Run(batch, OutputRequest.Default.And(OutputKind.Residues | OutputKind.Bos));
        Assert.Equal([2], extracted.LayerNumbers!);
        Assertions.Close(extracted.Pooled, encoder.Pooled, BatchTolerance, "pooled");
        Assertions.Close(extracted.Residues, encoder.Residues, BatchTolerance, "last layer");
        for (var row = 0; row < batch.BatchSize; row++)
        {
            Assertions.Close(extracted.LayerBosOf(row, 0), encoder.Hidden(row, 0), BatchTolerance, "<cls>");
        }
    }

    [Theory]
    [InlineData(WeightPrecision.Fp16)]
    [InlineData(WeightPrecision.Int8)]
    public void Reduced_precision_folders_extract_every_layer_and_contacts(WeightPrecision precision)
    {
        // fp16 rounds every weight and activation to 11 significant bits (~4e-3 of unit scale, PrecisionFidelityTests);
        // int8 weights perturb more. Contacts are probabilities, so both bounds are absolute.
        var tolerance = precision == WeightPrecision.Fp16 ? 2e-2 : 2e-1;
        var golden = Golden.Load("esm2-extract-tiny");
        using var model = new Converted(golden.Directory, precision: precision, extract: true);
        var batch = EncodedBatch.Create([model.Tokenizer.Encode(golden.Cases[0].Sequence)], model.Tokenizer.PadId);
        var output = model.Session.Run(batch, Everything);
        var n = golden.Cases[0].Sequence.Length;
        Assertions.Close(output.LayerPooled, golden.Tensor("mean.0"), tolerance, $"{precision} layer means, contacts graph");
        Assertions.Close(output.ContactsOf(0, n), golden.SymmetricMatrix("contacts_triu.0", n), tolerance, $"{precision} contacts");
        Assertions.Close(model.Session.Run(batch, Layers).LayerPooled, golden.Tensor("mean.0"), tolerance, $"{precision} layer means, fused layers graph");
    }

    private static void Matches(Golden golden, int index, BatchOutputs output, int row, int n, double tolerance, string what)
    {
        var layers = output.LayerNumbers!.Length;
        var width = output.HiddenSize;
        var repr = golden.Tensor($"repr.{index}");
        for (var layer = 0; layer < layers; layer++)
        {
            var states = output.LayerResiduesOf(row, layer);
            Assertions.Close(states[..((n + 2) * width)], repr.AsSpan(layer * (n + 2) * width, (n + 2) * width), tolerance, $"{what} repr layer {layer}");
        }

        Assertions.Close(output.LayerPooled.AsSpan(row * layers * width, layers * width), golden.Tensor($"mean.{index}"), tolerance, $"{what} mean");
        Assertions.Close(output.LayerBos.AsSpan(row * layers * width, layers * width), golden.Tensor($"bos.{index}"), tolerance, $"{what} bos");
        if (output.Contacts is not null)
        {
            Assertions.Close(output.ContactsOf(row, n), golden.SymmetricMatrix($"contacts_triu.{index}", n), tolerance, $"{what} contacts");
        }

        Assertions.Close(output.PooledOf(row), golden.Tensor($"mean.{index}").AsSpan((layers - 1) * width, width), tolerance, $"{what} pooled");
    }

    private static void SameRow(BatchOutputs alone, BatchOutputs batched, int row, int n, string what)
    {
        var layers = alone.LayerNumbers!.Length;
        var width = alone.HiddenSize;
        for (var layer = 0; layer < layers; layer++)
        {
            Assertions.Close(batched.LayerResiduesOf(row, layer)[..((n + 2) * width)], alone.LayerResiduesOf(0, layer)[..((n + 2) * width)], BatchTolerance, $"{what} batch independence: layer {layer}");
            Assertions.Close(batched.LayerPooledOf(row, layer), alone.LayerPooledOf(0, layer), BatchTolerance, $"{what} batch independence: mean {layer}");
            Assertions.Close(batched.LayerBosOf(row, layer), alone.LayerBosOf(0, layer), BatchTolerance, $"{what} batch independence: bos {layer}");
        }

        if (batched.Contacts is null)
        {
            return;
        }

        Assertions.Close(batched.ContactsOf(row, n), alone.ContactsOf(0, n), BatchTolerance, $"{what} batch independence: contacts");

        // Padding rows and columns of the padded map are 0, so nothing outside the protein's n x n block leaks into files.
        var t = batched.SequenceLength;
        var map = batched.Contacts.AsSpan(row * t * t, t * t);
        var outside = 0;
        for (var i = 0; i < t; i++)
        {
            for (var j = 0; j < t; j++)
            {
                outside += (i < 1 || i > n || j < 1 || j > n) && map[(i * t) + j] != 0f ? 1 : 0;
            }
        }

        Assert.True(outside == 0, $"{what}: {outside} contact values outside the {n} x {n} residue block are not 0");
    }
}
