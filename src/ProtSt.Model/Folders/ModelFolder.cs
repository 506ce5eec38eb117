using System.Text.Json;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Folders;

/// <summary>A converted model folder, opened only after its manifest and files check out.</summary>
public sealed class ModelFolder
{
    private ModelFolder(string directory, ModelManifest manifest, ModelFolder? baseModel)
    {
        Directory = directory;
        Manifest = manifest;
        BaseModel = baseModel;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    /// <summary>The folder whose encoder this one serves, when it was fine-tuned on a shared encoder.</summary>
    public ModelFolder? BaseModel { get; }

    /// <summary>Where the protein encoder's graph lives: this folder, or the base model's.</summary>
    public string EncoderDirectory => BaseModel?.Directory ?? Directory;

    public string OnnxPath => Path.Combine(EncoderDirectory, Manifest.Onnx.Name);

    /// <summary>The layers graph (every layer's states, means, <c>&lt;cls&gt;</c>), where the encoder lives, when it was converted with one.</summary>
    public string? ExtractPath => Manifest.Extract is { } extract ? Path.Combine(EncoderDirectory, extract.Onnx.Name) : null;

    /// <summary>
    /// The graph that gives contacts (and every layer's outputs in the same pass), when the checkpoint had a contact
    /// head: the contacts graph, or in folders converted before it existed the layers graph, which then carried the head.
    /// </summary>
    public string? ContactsPath => Manifest.Extract is { Contacts: true } extract
        ? Path.Combine(EncoderDirectory, (extract.ContactsOnnx ?? extract.Onnx).Name)
        : null;

    /// <summary>The graph applied to the mean residue embedding, when the folder has one.</summary>
    public string? HeadPath => Manifest.Head is { } head ? Path.Combine(Directory, head.Onnx.Name) : null;

    public string? TextOnnxPath => Manifest.Text is { } text ? Path.Combine(Directory, text.Onnx.Name) : null;

    /// <summary>Opens a model folder, verifying the manifest and (unless told not to) the files' hashes.</summary>
    public static ModelFolder Open(string directory, bool verifyHashes = true)
    {
        var full = Path.GetFullPath(directory);
        var manifestPath = Path.Combine(full, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            var hint = File.Exists(Path.Combine(full, "config.json"))
                ? " It looks like a Hugging Face checkpoint: convert it first with 'protst model convert'."
                : string.Empty;
            throw new ModelFolderException($"'{directory}' is not a converted model folder: {ModelManifest.FileName} is missing.{hint}");
        }

        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllBytes(manifestPath), ModelManifest.Json)
                ?? throw new ModelFolderException($"{manifestPath}: empty manifest.");
        }
        catch (JsonException e)
        {
            throw new ModelFolderException($"{manifestPath}: not a valid manifest ({e.Message}).", e);
        }

        Check(manifest, manifestPath);
        var baseModel = manifest.BaseModel is { } reference ? OpenBase(full, reference, manifest, verifyHashes) : null;
        var folder = new ModelFolder(full, manifest, baseModel);
        if (baseModel is null)
        {
            CheckFile(full, manifest.Onnx, verifyHashes);
            foreach (var file in new[] { manifest.OnnxExternalData, manifest.Extract?.Onnx, manifest.Extract?.ExternalData, manifest.Extract?.ContactsOnnx, manifest.Extract?.ContactsExternalData })
            {
                if (file is not null)
                {
                    CheckFile(full, file, verifyHashes);
                }
            }
        }

        foreach (var file in new[] { manifest.Head?.Onnx, manifest.Text?.Onnx, manifest.Text?.Vocabulary })
        {
            if (file is not null)
            {
                CheckFile(full, file, verifyHashes);
            }
        }

        return folder;
    }

    /// <summary>
    /// Fails with one line when the folder cannot give what <paramref name="request"/> asks: contacts without a contact
    /// head, or anything beyond the last layer from a folder converted without its extraction graph. A layer past the
    /// model's last fails in <see cref="OutputRequest.ResolveLayers"/>.
    /// </summary>
    public void CheckOutputs(OutputRequest request)
    {
        if (!NeedsExtraction(request, Manifest.NumLayers))
        {
            return;
        }

        if (Manifest.Extract is not { } extract)
        {
            throw new UnsupportedOutputException(
                $"'{Directory}' has no extraction graph ({ModelConverter.ExtractFileName}), so it gives only the last layer's states; convert the model again with this version to get other layers, <cls> and contacts.");
        }

        if (request.Wants(OutputKind.Contacts) && !extract.Contacts)
        {
            throw new UnsupportedOutputException(
                $"'{Directory}' cannot give contacts: its checkpoint has no contact head (contact_head.regression), which ESM's contact maps are computed with.");
        }
    }

    /// <summary>
    /// True when <paramref name="request"/> needs the extraction graph: <c>&lt;cls&gt;</c> states, contacts, or any
    /// layer but the last (which the encoder graph gives itself).
    /// </summary>
    public static bool NeedsExtraction(OutputRequest request, int layerCount) =>
        request.Wants(OutputKind.Contacts) || request.Wants(OutputKind.Bos)
        || (request.Wants(OutputKind.Layers) && (request.ResolveLayers(layerCount) is not [var only] || only != layerCount));

    /// <summary>The prompt tokenizer of a zero-shot folder's text tower.</summary>
    public PromptTokenizer CreatePromptTokenizer()
    {
        var text = Manifest.Text ?? throw new ModelFolderException($"'{Directory}' is a {Manifest.Kind} model and has no text tower; zero-shot and text search need a ProtST model.");
        return PromptTokenizer.Load(Path.Combine(Directory, text.Vocabulary.Name), text.MaxPieces);
    }

    private static ModelFolder OpenBase(string directory, ManifestBaseModel reference, ModelManifest manifest, bool verifyHashes)
    {
        var path = Path.GetFullPath(Path.Combine(directory, reference.Path));
        var baseManifest = Path.Combine(path, ModelManifest.FileName);
        if (!File.Exists(baseManifest))
        {
            throw new ModelFolderException(
                $"'{directory}' serves the encoder of '{path}', which is not a model folder (no {ModelManifest.FileName}); keep the two folders side by side as they were written.");
        }

        var actual = FileHash.Sha256(baseManifest);
        if (!string.Equals(actual, reference.ManifestSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelFolderException(
                $"'{directory}' was trained on the encoder in '{path}', but that folder's manifest has changed (SHA-256 {actual}, expected {reference.ManifestSha256}); train the head again on the current encoder.");
        }

        var baseModel = Open(path, verifyHashes);
        if (baseModel.BaseModel is not null)
        {
            throw new ModelFolderException($"'{path}' itself serves another folder's encoder; a fine-tuned folder must point at the folder that holds the encoder.");
        }

        if (baseModel.Manifest.HiddenSize != manifest.HiddenSize || !baseModel.Manifest.Vocabulary.SequenceEqual(manifest.Vocabulary))
        {
            throw new ModelFolderException($"'{directory}' does not describe the encoder of '{path}' (hidden size or vocabulary differ).");
        }

        return baseModel;
    }

    /// <summary>The tokenizer the model was converted with.</summary>
    public EsmTokenizer CreateTokenizer(TruncationPolicy truncation = TruncationPolicy.KeepStart) =>
        new(Manifest.Vocabulary, Manifest.MaxResidues, truncation);

    private static void Check(ModelManifest manifest, string path)
    {
        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion)
        {
            throw new ModelFolderException(
                $"{path}: format version {manifest.FormatVersion} was written by a newer converter; this runtime reads up to {ModelManifest.CurrentFormatVersion}.");
        }

        if (manifest.FormatVersion < 1)
        {
            throw new ModelFolderException($"{path}: format version {manifest.FormatVersion} is not valid.");
        }

        var problems = new List<string>();
        if (manifest.HiddenSize <= 0 || manifest.NumLayers <= 0 || manifest.NumHeads <= 0 || manifest.HiddenSize % manifest.NumHeads != 0)
        {
            problems.Add($"dimensions are inconsistent (hidden {manifest.HiddenSize}, layers {manifest.NumLayers}, heads {manifest.NumHeads})");
        }

        if (manifest.MaxResidues <= 0)
        {
            problems.Add($"max_residues {manifest.MaxResidues} must be positive");
        }

        foreach (var token in new[] { "<cls>", "<pad>", "<eos>", "<unk>" })
        {
            if (!manifest.Vocabulary.Contains(token))
            {
                problems.Add($"the vocabulary has no {token}");
            }
        }

        if (manifest.PadTokenId < 0 || manifest.PadTokenId >= manifest.Vocabulary.Count || manifest.Vocabulary[manifest.PadTokenId] != "<pad>")
        {
            problems.Add($"pad_token_id {manifest.PadTokenId} is not the vocabulary's <pad>");
        }

        if (manifest.Extract is { Contacts: false, ContactsOnnx: not null })
        {
            problems.Add("extract names a contacts graph but says the checkpoint had no contact head");
        }

        switch (manifest.Kind)
        {
            case ModelKind.ZeroShot when manifest.Head is null || manifest.Text is null || manifest.LogitScale is null:
                problems.Add("a zero-shot model needs head, text and logit_scale");
                break;
            case ModelKind.ZeroShot when manifest.Head.OutputWidth != manifest.Text.FeatureWidth:
                problems.Add($"the protein projection ({manifest.Head.OutputWidth}) and the text projection ({manifest.Text.FeatureWidth}) differ in width");
                break;
            case ModelKind.Classifier when manifest.Head is null || manifest.Labels is null:
                problems.Add("a classifier needs head and labels");
                break;
            case ModelKind.Classifier when manifest.Labels.Count != manifest.Head.OutputWidth:
                problems.Add($"the classifier has {manifest.Head.OutputWidth} outputs but {manifest.Labels.Count} labels");
                break;
        }

        if (problems.Count > 0)
        {
            throw new ModelFolderException($"{path}: {string.Join("; ", problems)}.");
        }
    }

    private static void CheckFile(string directory, ManifestFile file, bool verifyHash)
    {
        var path = Path.Combine(directory, file.Name);
        if (Path.GetFileName(file.Name) != file.Name)
        {
            throw new ModelFolderException($"Manifest names '{file.Name}', which is not a plain file name in the model folder.");
        }

        if (!File.Exists(path))
        {
            throw new ModelFolderException($"Model folder '{directory}' is incomplete: {file.Name} is missing.");
        }

        var length = new FileInfo(path).Length;
        if (length != file.Bytes)
        {
            throw new ModelFolderException(
                $"{file.Name} is {length} bytes but the manifest says {file.Bytes}: the file was changed or only partly copied; convert the model again.");
        }

        if (verifyHash)
        {
            var actual = FileHash.Sha256(path);
            if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelFolderException(
                    $"{file.Name} has SHA-256 {actual} but the manifest says {file.Sha256}: the file was changed after conversion; convert the model again.");
            }
        }
    }
}
