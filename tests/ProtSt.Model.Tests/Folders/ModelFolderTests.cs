using System.Text.Json.Nodes;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Folders;

public sealed class ModelFolderTests
{
    [Fact]
    public void Manifest_records_architecture_dims_vocabulary_and_source_hashes()
    {
        using var scratch = new TempDirectory();
        var source = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm1b-tiny");
        var manifest = ModelConverter.Convert(source, scratch.Path);
        Assert.Equal("esm1b", manifest.Architecture);
        Assert.Equal((64, 2, 4, 256, 1022), (manifest.HiddenSize, manifest.NumLayers, manifest.NumHeads, manifest.IntermediateSize, manifest.MaxResidues));
        Assert.Equal(33, manifest.Vocabulary.Count);
        Assert.False(manifest.Untrained);
        var weights = Assert.Single(manifest.Source, f => f.Name == "model.safetensors");
        Assert.Equal(FileHash.Sha256(Path.Combine(source, "model.safetensors")), weights.Sha256);
        Assert.Equal(ModelConverter.Version, manifest.ConverterVersion);

        var reopened = ModelFolder.Open(scratch.Path);
        Assert.Equal(manifest.Onnx, reopened.Manifest.Onnx);
    }

    [Fact]
    public void Demo_model_is_labelled_untrained()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Combine("hf"), new DemoModelSpec { Layers = 1, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        Assert.True(ModelConverter.Convert(scratch.Combine("hf"), scratch.Combine("model")).Untrained);
    }

    [Fact]
    public void A_checkpoint_folder_is_not_a_model_folder()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny");
        var error = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(source));
        Assert.Contains("convert it first", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_graph_is_detected_by_size_and_by_hash()
    {
        using var scratch = new TempDirectory();
        ModelConverter.Convert(Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), scratch.Path);
        var onnx = scratch.Combine("model.onnx");
        var bytes = File.ReadAllBytes(onnx);

        bytes[^10] ^= 0x5A;
        File.WriteAllBytes(onnx, bytes);
        var hash = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(scratch.Path));
        Assert.Contains("has SHA-256", hash.Message, StringComparison.Ordinal);
        ModelFolder.Open(scratch.Path, verifyHashes: false);

        File.WriteAllBytes(onnx, bytes[..^1]);
        var size = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(scratch.Path, verifyHashes: false));
        Assert.Contains("only partly copied", size.Message, StringComparison.Ordinal);

        File.Delete(onnx);
        var missing = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(scratch.Path));
        Assert.Contains("model.onnx is missing", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format_version", 99, "newer converter")]
    [InlineData("hidden_size", 63, "dimensions are inconsistent")]
    [InlineData("pad_token_id", 5, "is not the vocabulary's <pad>")]
    [InlineData("max_residues", 0, "must be positive")]
    public void Manifest_fields_that_do_not_fit_are_named(string field, int value, string expected)
    {
        using var scratch = new TempDirectory();
        ModelConverter.Convert(Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), scratch.Path);
        var path = scratch.Combine(ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = value;
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<ModelFolderException>(() => ModelFolder.Open(scratch.Path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_misshapen_tensors_are_named()
    {
        using var scratch = new TempDirectory();
        var source = scratch.Combine("hf");
        DemoCheckpoint.Write(source, new DemoModelSpec { Layers = 2, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        var checkpoint = SafetensorsReader.Read(Path.Combine(source, "model.safetensors"));
        var kept = checkpoint.Tensors.Values
            .Where(t => t.Name != "esm.encoder.layer.1.attention.self.key.bias")
            .Select(t => t.Name == "esm.encoder.layer.0.intermediate.dense.weight"
                ? SafetensorsWriter.Float32(t.Name, [31, 16], new float[31 * 16])
                : new SafetensorsWriter.Entry(t.Name, t.DType, t.Shape, t.ReadBytes()))
            .ToList();
        SafetensorsWriter.Write(Path.Combine(source, "model.safetensors"), kept);

        var error = Assert.Throws<CheckpointFormatException>(() => ModelConverter.Convert(source, scratch.Combine("model")));
        Assert.Contains("missing 1 tensor(s): esm.encoder.layer.1.attention.self.key.bias", error.Message, StringComparison.Ordinal);
        Assert.Contains("esm.encoder.layer.0.intermediate.dense.weight is [31, 16], expected [32, 16]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_that_is_not_an_esm_encoder_is_refused()
    {
        using var scratch = new TempDirectory();
        DemoCheckpoint.Write(scratch.Path, new DemoModelSpec { Layers = 1, HiddenSize = 16, Heads = 2, IntermediateSize = 32 });
        var config = JsonNode.Parse(File.ReadAllText(scratch.Combine("config.json")))!;
        config["hidden_act"] = "relu";
        File.WriteAllText(scratch.Combine("config.json"), config.ToJsonString());
        var error = Assert.Throws<ModelConfigException>(() => ModelConverter.Convert(scratch.Path, scratch.Combine("out")));
        Assert.Contains("hidden_act 'relu' is not supported", error.Message, StringComparison.Ordinal);
    }
}
