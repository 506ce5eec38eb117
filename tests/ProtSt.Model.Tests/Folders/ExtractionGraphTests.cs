using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Folders;

/// <summary>What a folder without a contact head or without an extraction graph answers: one clear line, before any batch runs.</summary>
public sealed class ExtractionGraphTests
{
    [Fact]
    public void A_checkpoint_without_a_contact_head_gives_layers_but_refuses_contacts()
    {
        var golden = Golden.Load("esm2-tiny");
        using var model = new Converted(golden.Directory, extract: true);
        Assert.False(model.Manifest.Extract!.Contacts);
        var batch = EncodedBatch.Create([model.Tokenizer.Encode("MKVLA")], model.Tokenizer.PadId);
        var contacts = OutputRequest.Default.And(OutputKind.Contacts);

        var error = Assert.Throws<UnsupportedOutputException>(() => model.Session.Folder.CheckOutputs(contacts));
        Assert.Contains("no contact head", error.Message, StringComparison.Ordinal);
        Assert.Throws<UnsupportedOutputException>(() => (object)model.Session.Run(batch, contacts));

        var layers = model.Session.Run(batch, new OutputRequest { Kinds = OutputKind.Layers | OutputKind.Bos, Layers = [0, 1] });
        Assert.Equal([0, 1], layers.LayerNumbers!);
        Assert.Equal(2 * model.Manifest.HiddenSize, layers.LayerPooled!.Length);
        Assert.Equal(2 * model.Manifest.HiddenSize, layers.LayerBos!.Length);
        Assert.Null(layers.LayerResidues);
    }

    [Fact]
    public void A_folder_converted_without_its_extraction_graph_serves_the_last_layer_and_refuses_the_others()
    {
        var golden = Golden.Load("esm2-extract-tiny");
        using var scratch = new TempDirectory();
        var manifest = ModelConverter.Convert(golden.Directory, scratch.Combine("model"), new ConvertOptions { Extract = false });
        Assert.Null(manifest.Extract);
        Assert.False(File.Exists(Path.Combine(scratch.Combine("model"), ModelConverter.ExtractFileName)));
        using var session = EncoderSession.Open(scratch.Combine("model"), new InferenceOptions { IntraOpThreads = 1 });
        var batch = EncodedBatch.Create([session.Folder.CreateTokenizer().Encode("MKVLA")], manifest.PadTokenId);

        var last = session.Run(batch, new OutputRequest { Kinds = OutputKind.Layers | OutputKind.Residues, Layers = [-1] });
        Assert.Equal([manifest.NumLayers], last.LayerNumbers!);
        Assert.NotNull(last.LayerResidues);
        var error = Assert.Throws<UnsupportedOutputException>(() => (object)session.Run(batch, new OutputRequest { Kinds = OutputKind.Layers, Layers = [1] }));
        Assert.Contains("convert the model again", error.Message, StringComparison.Ordinal);
    }
}
