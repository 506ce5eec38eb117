using System.Security.Cryptography;
using Google.Protobuf;

namespace ProtSt.Model.Onnx;

/// <summary>
/// The weights the graphs of one model folder have written to external data files so far, by content, so a later graph
/// points at a tensor already on disk instead of writing its own copy (whatever the graphs name it: the fused and
/// plain paths name the same packed query/key/value matrix differently).
/// </summary>
public sealed class SharedWeights
{
    private readonly Dictionary<string, Entry> _written = new(StringComparer.Ordinal);

    /// <summary>Where a tensor with exactly these bytes already lies, or null; <paramref name="key"/> identifies the bytes for <see cref="Add"/>.</summary>
    internal Entry? Find(ByteString data, out string key)
    {
        key = $"{data.Length}:{Convert.ToHexString(SHA256.HashData(data.Span))}";
        return _written.GetValueOrDefault(key);
    }

    internal void Add(string key, Entry entry) => _written.TryAdd(key, entry);

    /// <summary>A tensor in an external data file.</summary>
    internal sealed record Entry(string Location, long Offset);
}
