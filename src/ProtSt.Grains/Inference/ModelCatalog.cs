using System.Collections.Concurrent;
using ProtSt.Model.Folders;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Inference;

/// <summary>Per-silo cache of model folders' manifests and tokenizers, so shards open a manifest once rather than per slice.</summary>
public sealed class ModelCatalog
{
    private readonly ConcurrentDictionary<string, Lazy<ModelFolder>> _folders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<EsmTokenizer>> _tokenizers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<PromptTokenizer>> _promptTokenizers = new(StringComparer.Ordinal);

    /// <summary>The folder's manifest (hashes are verified where the sessions open, not here).</summary>
    public ModelFolder Folder(string modelDirectory) =>
        _folders.GetOrAdd(
            Path.GetFullPath(modelDirectory),
            path => new Lazy<ModelFolder>(() => ModelFolder.Open(path, verifyHashes: false))).Value;

    public EsmTokenizer Tokenizer(string modelDirectory) =>
        _tokenizers.GetOrAdd(
            Path.GetFullPath(modelDirectory),
            path => new Lazy<EsmTokenizer>(() => Folder(path).CreateTokenizer())).Value;

    /// <summary>The text tower's tokenizer of a zero-shot model folder (its vocabulary read once).</summary>
    public PromptTokenizer TextTokenizer(string modelDirectory) =>
        _promptTokenizers.GetOrAdd(
            Path.GetFullPath(modelDirectory),
            path => new Lazy<PromptTokenizer>(() => Folder(path).CreatePromptTokenizer())).Value;
}
