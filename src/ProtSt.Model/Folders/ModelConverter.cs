using System.Reflection;
using System.Text.Json;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Onnx;

namespace ProtSt.Model.Folders;

/// <summary>Turns a Hugging Face ESM checkpoint folder into a converted model folder (ONNX graph + manifest).</summary>
public static class ModelConverter
{
    public const string OnnxFileName = "model.onnx";

    public static string Version { get; } =
        typeof(ModelConverter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public static ModelManifest Convert(string checkpointDirectory, string outputDirectory, ConvertOptions? options = null)
    {
        options ??= new ConvertOptions();
        var source = HfModelFolder.Open(checkpointDirectory);
        var root = source.Config.RootElement;
        var modelType = root.TryGetProperty("model_type", out var type) ? type.GetString() : null;
        var esmJson = modelType switch
        {
            null or "esm" => root,

            // ProtST checkpoints nest the ESM encoder's config; its weights sit under protein_model.esm.
            "protst" when root.TryGetProperty("protein_config", out var protein) => protein,
            _ => throw new ModelConfigException(
                $"{source.ConfigPath}: model_type '{modelType}' is not an ESM encoder; this converter builds ESM-2, ESM-1b and ProtST protein encoders."),
        };

        var config = EsmConfig.Parse(esmJson, modelType == "protst" ? source.ConfigPath + " protein_config" : source.ConfigPath);
        var vocabulary = config.VocabList ?? ReadVocabularyFile(source.Directory);
        config = config with { VocabList = vocabulary };
        var untrained = root.TryGetProperty("protst_demo", out var demo) && demo.ValueKind == JsonValueKind.Object;

        var checkpoint = source.ReadCheckpoint();
        var graph = EsmGraphBuilder.Build(checkpoint, config, new EsmGraphOptions
        {
            Variant = options.Variant,
            Precision = options.Precision,
            MaxTokens = config.MaxResidues + 2,
            ProducerVersion = Version,
        });

        Directory.CreateDirectory(outputDirectory);
        var manifestPath = Path.Combine(outputDirectory, ModelManifest.FileName);

        // The manifest goes last and the old one first: a folder with a manifest is always a complete model.
        File.Delete(manifestPath);
        var onnxPath = Path.Combine(outputDirectory, OnnxFileName);
        var dataName = OnnxModelWriter.Write(graph, onnxPath, options.ExternalDataThreshold);
        var staleData = onnxPath + ".data";
        if (dataName is null && File.Exists(staleData))
        {
            File.Delete(staleData);
        }

        var manifest = new ModelManifest
        {
            FormatVersion = ModelManifest.CurrentFormatVersion,
            Kind = ModelKind.Encoder,
            Architecture = config.PositionEmbedding == EsmPositionEmbedding.Rotary ? "esm2" : "esm1b",
            HiddenSize = config.HiddenSize,
            NumLayers = config.NumLayers,
            NumHeads = config.NumHeads,
            IntermediateSize = config.IntermediateSize,
            MaxResidues = config.MaxResidues,
            Vocabulary = vocabulary,
            PadTokenId = config.PadTokenId,
            WeightPrecision = options.Precision.ToString().ToLowerInvariant(),
            GraphVariant = options.Variant.ToString().ToLowerInvariant(),
            Untrained = untrained,
            Onnx = FileHash.Describe(onnxPath),
            OnnxExternalData = dataName is null ? null : FileHash.Describe(Path.Combine(outputDirectory, dataName)),
            Source = [FileHash.Describe(source.ConfigPath), .. checkpoint.SourceFiles.Select(f => FileHash.Describe(f))],
            ConverterVersion = Version,
        };
        File.WriteAllText(manifestPath, manifest.ToJson());
        return manifest;
    }

    private static string[] ReadVocabularyFile(string directory)
    {
        var path = Path.Combine(directory, "vocab.txt");
        if (!File.Exists(path))
        {
            throw new ModelConfigException($"'{directory}': config.json has no vocab_list and there is no vocab.txt.");
        }

        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
    }
}
