using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Onnx;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Folders;

/// <summary>
/// Turns a Hugging Face checkpoint folder (ESM-2, ESM-1b, or ProtST: zero-shot or classifier) into a converted model
/// folder: the encoder graph, the head and text graphs ProtST needs, and a manifest that pins every file.
/// </summary>
public static class ModelConverter
{
    public const string OnnxFileName = "model.onnx";
    public const string HeadFileName = "head.onnx";
    public const string TextFileName = "text.onnx";
    public const string TextVocabularyFileName = "text-vocab.txt";
    public const string ExtractFileName = "extract.onnx";
    public const string ContactsFileName = "contacts.onnx";

    /// <summary>ProtST's pooling adds this to the token count (its published code), where fair-esm divides by the exact count.</summary>
    public const float ProtStPoolingEpsilon = 1e-6f;

    private const string ClassifierPrefix = "classifier.";
    private const string ProteinProjectionPrefix = "protein_model.protein_mlp.";
    private const string TextProjectionPrefix = "text_model.text_mlp.";
    private const string LogitScaleTensor = "logit_scale";

    public static string Version { get; } =
        typeof(ModelConverter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public static ModelManifest Convert(string checkpointDirectory, string outputDirectory, ConvertOptions? options = null)
    {
        options ??= new ConvertOptions();
        var source = HfModelFolder.Open(checkpointDirectory);
        var root = source.Config.RootElement;
        var checkpoint = source.ReadCheckpoint();
        var (family, config, protst) = ReadEncoderConfig(source, checkpoint);

        // A ProtST folder's vocab.txt is the text tower's; its protein side uses the standard ESM alphabet.
        var vocabulary = config.VocabList ?? (protst ? EsmTokenizer.StandardVocabulary : ReadVocabularyFile(source.Directory));
        config = config with { VocabList = vocabulary };
        var untrained = root.TryGetProperty("protst_demo", out var demo) && demo.ValueKind == JsonValueKind.Object;
        var poolingEpsilon = protst ? ProtStPoolingEpsilon : 0f;

        var graphOptions = new EsmGraphOptions
        {
            Family = family,
            Variant = options.Variant,
            Precision = options.Precision,
            Int8Scheme = options.Int8Scheme,
            MaxTokens = config.MaxResidues + 2,
            PoolingEpsilon = poolingEpsilon,
            ProducerVersion = Version,
        };
        var graph = EsmGraphBuilder.Build(checkpoint, config, graphOptions);

        Directory.CreateDirectory(outputDirectory);
        var manifestPath = Path.Combine(outputDirectory, ModelManifest.FileName);

        // The manifest goes last and the old one first: a folder with a manifest is always a complete model.
        File.Delete(manifestPath);
        foreach (var stale in new[] { HeadFileName, TextFileName, TextVocabularyFileName, ExtractFileName, ExtractFileName + ".data", ContactsFileName, ContactsFileName + ".data" })
        {
            File.Delete(Path.Combine(outputDirectory, stale));
        }

        var onnxPath = Path.Combine(outputDirectory, OnnxFileName);
        // Graphs written after the encoder's point at its external weights where theirs are the same tensors.
        var shared = new SharedWeights();
        var dataName = OnnxModelWriter.Write(graph, onnxPath, options.ExternalDataThreshold, shared);
        var staleData = onnxPath + ".data";
        if (dataName is null && File.Exists(staleData))
        {
            File.Delete(staleData);
        }

        graph = null;
        var extract = options.Extract ? WriteExtract(checkpoint, config, graphOptions, options.ExternalDataThreshold, shared, outputDirectory) : null;

        var manifest = new ModelManifest
        {
            FormatVersion = 1,
            Kind = ModelKind.Encoder,
            Architecture = family.ToString().ToLowerInvariant(),
            HiddenSize = config.HiddenSize,
            NumLayers = config.NumLayers,
            NumHeads = config.NumHeads,
            IntermediateSize = config.IntermediateSize,
            MaxResidues = config.MaxResidues,
            Vocabulary = vocabulary,
            PadTokenId = config.PadTokenId,
            WeightPrecision = options.Precision.ToString().ToLowerInvariant(),
            Quantization = options.Precision == WeightPrecision.Int8 ? QuantizationName(options.Int8Scheme) : null,
            GraphVariant = options.Variant.ToString().ToLowerInvariant(),
            Untrained = untrained,
            Onnx = FileHash.Describe(onnxPath),
            OnnxExternalData = dataName is null ? null : FileHash.Describe(Path.Combine(outputDirectory, dataName)),
            Extract = extract,
            Source = [.. source.HasConfig ? [FileHash.Describe(source.ConfigPath)] : Array.Empty<ManifestFile>(), .. checkpoint.SourceFiles.Select(f => FileHash.Describe(f))],
            ConverterVersion = Version,
            PoolingEpsilon = poolingEpsilon,
        };

        if (protst && HeadGraphBuilder.Exists(checkpoint, ClassifierPrefix))
        {
            var head = WriteHead(checkpoint, ClassifierPrefix, config.HiddenSize, softmax: true, options.Precision, outputDirectory);
            manifest = manifest with
            {
                FormatVersion = ModelManifest.CurrentFormatVersion,
                Kind = ModelKind.Classifier,
                Head = head,
                Labels = ClassLabels(options.Labels, root, head.OutputWidth, source.ConfigPath),
            };
        }
        else if (protst && HeadGraphBuilder.Exists(checkpoint, ProteinProjectionPrefix))
        {
            var head = WriteHead(checkpoint, ProteinProjectionPrefix, config.HiddenSize, softmax: false, options.Precision, outputDirectory);
            manifest = manifest with
            {
                FormatVersion = ModelManifest.CurrentFormatVersion,
                Kind = ModelKind.ZeroShot,
                Head = head,
                Text = WriteText(source, checkpoint, options, untrained, outputDirectory),
                LogitScale = ReadScalar(checkpoint, LogitScaleTensor),
            };
        }

        File.WriteAllText(manifestPath, manifest.ToJson());
        return manifest;
    }

    /// <summary>
    /// Writes a classifier folder that serves <paramref name="baseModelDirectory"/>'s encoder with a head read from a
    /// Hugging Face <c>classifier.*</c> safetensors file; the encoder's weights are referenced, never copied.
    /// </summary>
    public static ModelManifest AttachClassifier(string baseModelDirectory, string headCheckpointPath, IReadOnlyList<string> labels, string outputDirectory)
    {
        var baseModel = ModelFolder.Open(baseModelDirectory, verifyHashes: false);
        // Any folder that holds its own encoder graph will do: a converted classifier's encoder serves a retrained head too.
        if (baseModel.BaseModel is not null)
        {
            throw new ModelFolderException($"'{baseModelDirectory}' serves another folder's encoder; a classifier head attaches to the folder that holds an encoder.");
        }

        var checkpoint = SafetensorsReader.Read(headCheckpointPath);
        Directory.CreateDirectory(outputDirectory);
        var manifestPath = Path.Combine(outputDirectory, ModelManifest.FileName);
        File.Delete(manifestPath);
        var precision = Enum.Parse<WeightPrecision>(baseModel.Manifest.WeightPrecision, ignoreCase: true);
        var head = WriteHead(checkpoint, ClassifierPrefix, baseModel.Manifest.HiddenSize, softmax: true, precision, outputDirectory);
        if (labels.Count != head.OutputWidth)
        {
            throw new ModelFolderException($"The head has {head.OutputWidth} outputs but {labels.Count} labels were given.");
        }

        var output = Path.GetFullPath(outputDirectory);
        var manifest = baseModel.Manifest with
        {
            FormatVersion = ModelManifest.CurrentFormatVersion,
            Kind = ModelKind.Classifier,
            Head = head,
            Text = null,
            LogitScale = null,
            Labels = labels.ToArray(),
            Source = [FileHash.Describe(headCheckpointPath)],
            ConverterVersion = Version,
            BaseModel = new ManifestBaseModel(
                Path.GetRelativePath(output, baseModel.Directory),
                FileHash.Sha256(Path.Combine(baseModel.Directory, ModelManifest.FileName))),
        };
        File.WriteAllText(manifestPath, manifest.ToJson());
        return manifest;
    }

    /// <summary>
    /// The one place a checkpoint's family is decided: ESM C by its tensor names (its esm-package folders have no
    /// config), otherwise its config's <c>model_type</c> (ESM, or ProtST wrapping an ESM protein tower) and, for ESM,
    /// its position type.
    /// </summary>
    private static (EncoderFamily Family, EsmConfig Config, bool ProtSt) ReadEncoderConfig(HfModelFolder source, Checkpoint checkpoint)
    {
        var root = source.Config.RootElement;
        var modelType = root.TryGetProperty("model_type", out var type) ? type.GetString() : null;
        if (EsmCLayout.Matches(checkpoint))
        {
            var prefix = PrefixedWeights.DetectPrefix(checkpoint, BlockWeightNames.EsmC.FinalNorm + ".weight", "ESM C encoder", "embed.weight");
            var esmc = EsmCLayout.Read(checkpoint, prefix, source.Directory);

            // A config that names the head count (a transformers-style ESM C repository) wins over width / 64.
            if (root.TryGetProperty("num_attention_heads", out var heads) && heads.TryGetInt32(out var count))
            {
                esmc = count > 0 && esmc.HiddenSize % count == 0 && (esmc.HiddenSize / count) % 2 == 0
                    ? esmc with { NumHeads = count }
                    : throw new ModelConfigException($"{source.ConfigPath}: num_attention_heads {count} does not split width {esmc.HiddenSize} into even-sized heads.");
            }

            return (EncoderFamily.EsmC, esmc, false);
        }

        if (!source.HasConfig)
        {
            throw new ModelConfigException(
                $"'{source.Directory}' has no config.json and its weights are not an ESM C state dict (no '{BlockWeightNames.EsmCMarker}'); expected a Hugging Face model folder.");
        }

        var protst = modelType == "protst";
        var esmJson = modelType switch
        {
            null or "esm" => root,

            // ProtST checkpoints nest the ESM encoder's config; its weights sit under protein_model.esm.
            "protst" when root.TryGetProperty("protein_config", out var protein) => protein,
            "esmc" => throw new ModelConfigException(
                $"{source.ConfigPath}: an ESM C repository whose tensors are not the esm package's ESMC names ('{BlockWeightNames.EsmCMarker}', ...); this layout is not supported yet (docs/models.md)."),
            _ => throw new ModelConfigException(
                $"{source.ConfigPath}: model_type '{modelType}' is not an ESM encoder; this converter builds ESM-2, ESM-1b, ESM C and ProtST models."),
        };

        var config = EsmConfig.Parse(esmJson, protst ? source.ConfigPath + " protein_config" : source.ConfigPath);
        var family = config.PositionEmbedding == EsmPositionEmbedding.Rotary ? EncoderFamily.Esm2 : EncoderFamily.Esm1b;
        return (family, config, protst);
    }

    /// <summary>
    /// The extraction graphs, built one at a time after the encoder's is written so no two sit in memory together: the
    /// layers graph on the encoder's variant, and the contacts graph (plain attention, contact head) when the checkpoint
    /// has a contact head. Layer requests run the first and never pay for the head; contacts requests run the second.
    /// </summary>
    private static ManifestExtract WriteExtract(
        Checkpoint checkpoint, EsmConfig config, EsmGraphOptions graphOptions, long externalDataThreshold, SharedWeights shared, string outputDirectory)
    {
        var (onnx, data) = WriteGraph(EsmGraphBuilder.Build(checkpoint, config, graphOptions with { Extract = true }), ExtractFileName, externalDataThreshold, shared, outputDirectory);
        var hasHead = graphOptions.Family != EncoderFamily.EsmC && EsmGraphBuilder.HasContactHead(checkpoint, config, graphOptions.TensorPrefix);
        if (!hasHead)
        {
            return new ManifestExtract(onnx, data, Contacts: false);
        }

        var (contacts, contactsData) = WriteGraph(
            EsmGraphBuilder.Build(checkpoint, config, graphOptions with { Extract = true, Contacts = true }), ContactsFileName, externalDataThreshold, shared, outputDirectory);
        return new ManifestExtract(onnx, data, Contacts: true, contacts, contactsData);
    }

    private static (ManifestFile Onnx, ManifestFile? ExternalData) WriteGraph(
        global::Onnx.ModelProto graph, string fileName, long externalDataThreshold, SharedWeights shared, string outputDirectory)
    {
        var path = Path.Combine(outputDirectory, fileName);
        var dataName = OnnxModelWriter.Write(graph, path, externalDataThreshold, shared);
        return (FileHash.Describe(path), dataName is null ? null : FileHash.Describe(Path.Combine(outputDirectory, dataName)));
    }

    private static ManifestHead WriteHead(Checkpoint checkpoint, string prefix, int inputWidth, bool softmax, WeightPrecision precision, string outputDirectory)
    {
        var graph = HeadGraphBuilder.Build(checkpoint, prefix, inputWidth, softmax, precision, Version);
        var path = Path.Combine(outputDirectory, HeadFileName);
        OnnxModelWriter.Write(graph, path, long.MaxValue);
        return new ManifestHead(FileHash.Describe(path), HeadGraphBuilder.OutputWidth(checkpoint, prefix, inputWidth));
    }

    private static ManifestText WriteText(HfModelFolder source, Checkpoint checkpoint, ConvertOptions options, bool untrained, string outputDirectory)
    {
        var root = source.Config.RootElement;
        if (!root.TryGetProperty("text_config", out var textJson))
        {
            throw new ModelConfigException($"{source.ConfigPath}: a ProtST model with a protein projection needs 'text_config' for its text tower.");
        }

        var config = BertConfig.Parse(textJson, source.ConfigPath + " text_config");
        var vocabularyPath = Path.Combine(outputDirectory, TextVocabularyFileName);
        var folderVocabulary = Path.Combine(source.Directory, "vocab.txt");
        var vocabularySource = options.TextVocabulary ?? (File.Exists(folderVocabulary) ? folderVocabulary : null);
        if (vocabularySource is null)
        {
            // ProtST's hub repositories carry no vocab.txt; its text tower is PubMedBERT-abstract's, which ships with us.
            PubMedBertVocabulary.WriteTo(vocabularyPath);
        }
        else if (!File.Exists(vocabularySource))
        {
            throw new ModelConfigException($"The text vocabulary '{vocabularySource}' does not exist.");
        }
        else
        {
            File.Copy(vocabularySource, vocabularyPath, overwrite: true);
            var sha256 = FileHash.Sha256(vocabularyPath);
            if (sha256 != PubMedBertVocabulary.Sha256 && !untrained)
            {
                options.Warn?.Invoke(
                    $"'{vocabularySource}' (SHA-256 {sha256}) is not the PubMedBERT-abstract vocabulary ProtST was trained with " +
                    $"(SHA-256 {PubMedBertVocabulary.Sha256}, {PubMedBertVocabulary.Repository}); prompts will be tokenized differently. " +
                    "Leave out --text-vocab and remove the folder's vocab.txt to use the shipped one.");
            }
        }

        var pieces = File.ReadLines(vocabularyPath).Count();
        if (pieces > config.VocabSize)
        {
            throw new ModelConfigException(
                $"'{vocabularySource ?? "the shipped PubMedBERT vocabulary"}' has {pieces} pieces but the text tower's vocab_size is {config.VocabSize}: it is not this model's vocabulary.");
        }

        if (PromptTokenizer.DefaultMaxPieces + 1 > config.MaxPositionEmbeddings)
        {
            throw new ModelConfigException($"{source.ConfigPath}: the text tower has {config.MaxPositionEmbeddings} positions, fewer than a prompt's {PromptTokenizer.DefaultMaxPieces + 1} tokens.");
        }

        var tokenizer = PromptTokenizer.Load(vocabularyPath);
        var graph = TextGraphBuilder.Build(checkpoint, config, TextProjectionPrefix, new TextGraphOptions
        {
            // An int8 model quantizes the protein encoder only: the text tower runs once per prompt set.
            Precision = options.Precision == WeightPrecision.Int8 ? WeightPrecision.Fp32 : options.Precision,
            PoolingExcludedIds = [tokenizer.ClsId, tokenizer.SepId],
            PoolingEpsilon = ProtStPoolingEpsilon,
            ProducerVersion = Version,
        });
        var path = Path.Combine(outputDirectory, TextFileName);
        OnnxModelWriter.Write(graph, path, options.ExternalDataThreshold);
        return new ManifestText(
            FileHash.Describe(path),
            FileHash.Describe(vocabularyPath),
            config.HiddenSize,
            config.NumLayers,
            PromptTokenizer.DefaultMaxPieces,
            HeadGraphBuilder.OutputWidth(checkpoint, TextProjectionPrefix, config.HiddenSize));
    }

    /// <summary>What the manifest says about an int8 model's weights: the scheme and its operators.</summary>
    public static string QuantizationName(Int8Scheme scheme) =>
        $"int8 symmetric per output channel, {scheme switch
        {
            Int8Scheme.DynamicQuantizeMatMul => "com.microsoft.DynamicQuantizeMatMul",
            Int8Scheme.MatMulInteger => "MatMulInteger",
            _ => "com.microsoft.MatMulNBits (8 bits)",
        }}";

    private static double ReadScalar(Checkpoint checkpoint, string name)
    {
        if (!checkpoint.Tensors.TryGetValue(name, out var tensor))
        {
            throw new CheckpointFormatException($"The checkpoint has no '{name}' tensor; a ProtST zero-shot model needs its learned temperature.");
        }

        var values = tensor.ReadFloat32();
        return values.Length == 1 ? values[0] : throw new CheckpointFormatException($"'{name}' is {tensor.ShapeText}, expected a single value.");
    }

    private static IReadOnlyList<string> ClassLabels(IReadOnlyList<string>? given, JsonElement root, int classes, string source)
    {
        if (given is not null)
        {
            return given.Count == classes
                ? given
                : throw new ModelConfigException($"{given.Count} labels were given but the classifier has {classes} outputs.");
        }

        if (!root.TryGetProperty("id2label", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        }

        var labels = new string[classes];
        foreach (var entry in map.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= classes)
            {
                throw new ModelConfigException($"{source}: id2label key '{entry.Name}' is not a class id below {classes}.");
            }

            labels[id] = entry.Value.GetString() ?? string.Empty;
        }

        var missing = Enumerable.Range(0, classes).Where(i => labels[i] is null).ToList();
        return missing.Count == 0
            ? labels
            : throw new ModelConfigException($"{source}: id2label has no name for class(es) {string.Join(", ", missing)}.");
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
