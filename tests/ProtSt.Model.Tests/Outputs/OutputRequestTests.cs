using ProtSt.Model.Demo;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Outputs;

public sealed class OutputRequestTests
{
    [Fact]
    public void Layers_resolve_in_fair_esm_numbering_and_a_layer_past_the_last_is_refused()
    {
        Assert.Equal([6], OutputRequest.Default.ResolveLayers(6));
        Assert.Equal([0, 6, 5, 3], new OutputRequest { Layers = [0, -1, 5, -4, 6] }.ResolveLayers(6));
        Assert.Equal([0], new OutputRequest { Layers = [-7] }.ResolveLayers(6));
        var error = Assert.Throws<ArgumentException>(() => new OutputRequest { Layers = [7] }.ResolveLayers(6));
        Assert.Contains("Layer 7 does not exist", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new OutputRequest { Layers = [-8] }.ResolveLayers(6));
    }

    [Fact]
    public void Requests_with_equal_layer_lists_are_equal()
    {
        var a = new OutputRequest { Kinds = OutputKind.Layers, Layers = [1, 2] };
        var b = new OutputRequest { Kinds = OutputKind.Layers, Layers = [.. new[] { 1, 2 }] };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Layers = [2, 1] });
        Assert.Equal(OutputRequest.Default, new OutputRequest { Layers = default });
    }

    [Fact]
    public void The_last_layer_is_served_by_the_encoder_graph_and_other_layers_by_the_extraction_graph()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 2, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        using var model = new Converted(scratch.Path, extract: true);
        var batch = EncodedBatch.Create([model.Tokenizer.Encode("MKVLA")], model.Tokenizer.PadId);

        var plain = model.Session.Run(batch);
        Assert.Null(plain.Residues);
        Assert.Null(plain.Head);
        var last = model.Session.Run(batch, new OutputRequest { Kinds = OutputKind.Layers, Layers = [-1] });
        Assert.Equal([2], last.LayerNumbers!);
        Assert.Equal(plain.Pooled, last.LayerPooled);
        Assert.Null(last.LayerResidues);
        Assert.NotNull(model.Session.Run(batch, new OutputRequest { Kinds = OutputKind.Layers | OutputKind.Residues, Layers = [-1] }).LayerResidues);

        var middle = model.Session.Run(batch, new OutputRequest { Kinds = OutputKind.Layers, Layers = [1] });
        Assert.Equal([1], middle.LayerNumbers!);
        Assert.Equal(16, middle.LayerPooled!.Length);

        // The demo checkpoint has no contact head.
        Assert.Throws<Model.Folders.UnsupportedOutputException>(() => (object)model.Session.Run(batch, OutputRequest.Default.And(OutputKind.Contacts)));
    }
}
