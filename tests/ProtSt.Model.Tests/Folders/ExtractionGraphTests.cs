using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Onnx;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Folders;

/// <summary>
/// Which graph serves which request: layers from the layers graph on the folder's variant (never the contact head),
/// contacts from the contacts graph in one pass; and what a folder without a contact head, without an extraction graph,
/// or converted before the contacts graph existed answers.
/// </summary>
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

    [Theory]
    [InlineData(GraphVariant.Fused)]
    [InlineData(GraphVariant.Plain)]
    public void Layer_requests_run_the_folders_variant_without_the_contact_head_and_contacts_with_layers_run_one_graph(GraphVariant variant)
    {
        var golden = Golden.Load("esm2-extract-tiny");
        using var model = new Converted(golden.Directory, variant, extract: true);
        var extractPath = Path.Combine(model.ModelDirectory, ModelConverter.ExtractFileName);
        var contactsPath = Path.Combine(model.ModelDirectory, ModelConverter.ContactsFileName);
        Assert.Equal(ModelConverter.ContactsFileName, model.Manifest.Extract!.ContactsOnnx!.Name);

        // The layers graph has no contact head and attends as the encoder does; the contacts graph is the plain path.
        var layersGraph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(extractPath)).Graph;
        var contactsGraph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(contactsPath)).Graph;
        Assert.DoesNotContain(layersGraph.Output, o => o.Name == GraphContract.Contacts);
        Assert.DoesNotContain(layersGraph.Initializer, t => t.Name.Contains("contact", StringComparison.Ordinal));
        Assert.Equal(variant == GraphVariant.Fused, layersGraph.Node.Any(n => n.OpType == "MultiHeadAttention"));
        Assert.Contains(contactsGraph.Output, o => o.Name == GraphContract.Contacts);
        Assert.DoesNotContain(contactsGraph.Node, n => n.OpType == "MultiHeadAttention");

        var batch = EncodedBatch.Create([model.Tokenizer.Encode("MKVLAGGHWQ"), model.Tokenizer.Encode("MSTNPKPQRKTKRNTNRRPQDVKFPGG")], model.Tokenizer.PadId);
        var layers = new OutputRequest { Kinds = OutputKind.Pooled | OutputKind.Layers | OutputKind.Residues | OutputKind.Bos, Layers = [0, 1, 2] };
        var fromLayers = model.Session.Run(batch, layers);
        Assert.Null(fromLayers.Contacts);
        Assert.Equal([extractPath], model.Session.OpenedExtractionGraphs);

        var fromContacts = model.Session.Run(batch, layers.And(OutputKind.Contacts));
        Assert.Equal([extractPath, contactsPath], model.Session.OpenedExtractionGraphs);
        Assert.NotNull(fromContacts.Contacts);
        Assertions.Close(fromContacts.LayerPooled, fromLayers.LayerPooled, 1e-5, "layer means, contacts graph against layers graph");
        Assertions.Close(fromContacts.LayerBos, fromLayers.LayerBos, 1e-5, "<cls>, contacts graph against layers graph");
        Assertions.Close(fromContacts.LayerResidues, fromLayers.LayerResidues, 1e-5, "states, contacts graph against layers graph");
    }

    [Fact]
    public void A_folder_whose_extraction_graph_carries_the_contact_head_still_serves_layers_and_contacts_from_it()
    {
        // Folders converted before the contacts graph existed have one extract.onnx with the contact head (what the
        // contacts graph is now) and no contacts_onnx in the manifest; they serve every request from it, as they did.
        var golden = Golden.Load("esm2-extract-tiny");
        using var model = new Converted(golden.Directory, extract: true);
        using var scratch = new TempDirectory();
        var old = scratch.Combine("old");
        Directory.CreateDirectory(old);
        foreach (var file in Directory.GetFiles(model.ModelDirectory))
        {
            File.Copy(file, Path.Combine(old, Path.GetFileName(file)));
        }

        File.Move(Path.Combine(old, ModelConverter.ContactsFileName), Path.Combine(old, ModelConverter.ExtractFileName), overwrite: true);
        var manifest = model.Manifest with { Extract = new ManifestExtract(FileHash.Describe(Path.Combine(old, ModelConverter.ExtractFileName)), null, Contacts: true) };
        File.WriteAllText(Path.Combine(old, ModelManifest.FileName), manifest.ToJson());

        using var session = EncoderSession.Open(old, new InferenceOptions { IntraOpThreads = 1 });
        var batch = EncodedBatch.Create([model.Tokenizer.Encode("MKVLAGGHWQ")], model.Tokenizer.PadId);
        var layers = new OutputRequest { Kinds = OutputKind.Pooled | OutputKind.Layers, Layers = [0, 1] };
        var contacts = layers.And(OutputKind.Contacts);
        session.Folder.CheckOutputs(contacts);
        var oldLayers = session.Run(batch, layers);
        var oldContacts = session.Run(batch, contacts);
        Assert.Equal([Path.Combine(session.Folder.Directory, ModelConverter.ExtractFileName)], session.OpenedExtractionGraphs);
        Assertions.Close(oldLayers.LayerPooled, model.Session.Run(batch, layers).LayerPooled, 1e-5, "layer means");
        Assertions.Close(oldContacts.ContactsOf(0, 10), model.Session.Run(batch, contacts).ContactsOf(0, 10), 1e-5, "contacts");
    }

    [Theory]
    [InlineData(GraphVariant.Fused)]
    [InlineData(GraphVariant.Plain)]
    public void Extraction_graphs_with_external_weights_point_at_the_encoders_instead_of_copying_them(GraphVariant variant)
    {
        // The layers graph's tensors are all the encoder's. In a fused folder the contacts graph (plain) adds only what
        // the plain path lays out differently (separate query/key/value, rotary tables); in a plain folder nothing.
        // Outputs must not change.
        var golden = Golden.Load("esm2-extract-tiny");
        using var inline = new Converted(golden.Directory, variant, extract: true);
        using var external = new Converted(golden.Directory, variant, externalDataThreshold: 0, extract: true);
        var extract = external.Manifest.Extract!;
        Assert.NotNull(external.Manifest.OnnxExternalData);
        Assert.Null(extract.ExternalData);
        Assert.False(File.Exists(Path.Combine(external.ModelDirectory, ModelConverter.ExtractFileName + ".data")));
        var own = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(external.ModelDirectory, ModelConverter.ContactsFileName))).Graph.Initializer
            .Where(t => t.ExternalData.Any(e => e.Key == "location" && e.Value == ModelConverter.ContactsFileName + ".data")).Select(t => t.Name).ToList();
        if (variant == GraphVariant.Plain)
        {
            Assert.Empty(own);
            Assert.Null(extract.ContactsExternalData);
        }
        else
        {
            Assert.NotEmpty(own);
            Assert.All(own, name => Assert.Matches(@"\.(query|key|value)\.weight_t$|^rotary_", name));
            Assert.True(extract.ContactsExternalData!.Bytes < external.Manifest.OnnxExternalData!.Bytes, "the contacts graph wrote every weight again");
        }

        var batch = EncodedBatch.Create([inline.Tokenizer.Encode("MKVLAGGHWQ"), inline.Tokenizer.Encode("MSTNPKPQRKTKRNTNRRPQDVKFPGG")], inline.Tokenizer.PadId);
        var layers = new OutputRequest { Kinds = OutputKind.Pooled | OutputKind.Layers | OutputKind.Residues | OutputKind.Bos, Layers = [0, 1, 2] };
        foreach (var request in new[] { layers, layers.And(OutputKind.Contacts) })
        {
            var (a, b) = (inline.Session.Run(batch, request), external.Session.Run(batch, request));
            Assertions.Close(b.LayerResidues, a.LayerResidues, 0, "states, external against inline weights");
            Assertions.Close(b.LayerBos, a.LayerBos, 0, "<cls>, external against inline weights");
            if (request.Wants(OutputKind.Contacts))
            {
                Assertions.Close(b.Contacts, a.Contacts, 0, "contacts, external against inline weights");
            }
        }
    }
}
