using System.Text.Json;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Folders;

/// <summary>A converted model folder, opened only after its manifest and files check out.</summary>
public sealed class ModelFolder
{
    private ModelFolder(string directory, ModelManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public string OnnxPath => Path.Combine(Directory, Manifest.Onnx.Name);

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
        var folder = new ModelFolder(full, manifest);
        folder.CheckFile(manifest.Onnx, verifyHashes);
        if (manifest.OnnxExternalData is { } data)
        {
            folder.CheckFile(data, verifyHashes);
        }

        return folder;
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

        if (problems.Count > 0)
        {
            throw new ModelFolderException($"{path}: {string.Join("; ", problems)}.");
        }
    }

    private void CheckFile(ManifestFile file, bool verifyHash)
    {
        var path = Path.Combine(Directory, file.Name);
        if (Path.GetFileName(file.Name) != file.Name)
        {
            throw new ModelFolderException($"Manifest names '{file.Name}', which is not a plain file name in the model folder.");
        }

        if (!File.Exists(path))
        {
            throw new ModelFolderException($"Model folder '{Directory}' is incomplete: {file.Name} is missing.");
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
