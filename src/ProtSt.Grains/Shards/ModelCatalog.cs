using System.Collections.Concurrent;
using ProtSt.Model.Folders;
using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Shards;

/// <summary>Per-silo cache of model folders' tokenizers, so shards open a manifest once rather than per slice.</summary>
public sealed class ModelCatalog
{
    private readonly ConcurrentDictionary<string, Lazy<EsmTokenizer>> _tokenizers = new(StringComparer.Ordinal);

    public EsmTokenizer Tokenizer(string modelDirectory) =>
        _tokenizers.GetOrAdd(
            Path.GetFullPath(modelDirectory),
            path => new Lazy<EsmTokenizer>(() => ModelFolder.Open(path, verifyHashes: false).CreateTokenizer())).Value;
}
