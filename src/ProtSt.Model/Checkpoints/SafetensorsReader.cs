using System.Buffers.Binary;
using System.Text.Json;

namespace ProtSt.Model.Checkpoints;

/// <summary>Reads <c>.safetensors</c> files, validating the header against the file before any tensor is trusted.</summary>
public static class SafetensorsReader
{
    // The format's own reference implementation caps the header at 100 MB; anything bigger is not a real header.
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    public static Checkpoint Read(string path)
    {
        var tensors = ReadTensors(path);
        return new Checkpoint(tensors, [Path.GetFullPath(path)]);
    }

    /// <summary>Reads a sharded checkpoint through its <c>model.safetensors.index.json</c>.</summary>
    public static Checkpoint ReadSharded(string indexPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        Dictionary<string, string> weightMap;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException($"{indexPath}: no \"weight_map\" object.");
            }

            weightMap = map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{indexPath}: not valid JSON ({e.Message}).", e);
        }

        var all = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var shard in weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (shard.Length == 0 || Path.IsPathRooted(shard) || shard.Contains("..", StringComparison.Ordinal))
            {
                throw new CheckpointFormatException($"{indexPath}: shard name '{shard}' must be a plain file name in the same folder.");
            }

            var shardPath = Path.Combine(directory, shard);
            if (!File.Exists(shardPath))
            {
                throw new CheckpointFormatException($"{indexPath}: shard '{shard}' is listed but missing.");
            }

            files.Add(shardPath);
            foreach (var (name, tensor) in ReadTensors(shardPath))
            {
                all[name] = tensor;
            }
        }

        foreach (var (name, shard) in weightMap)
        {
            if (!all.ContainsKey(name))
            {
                throw new CheckpointFormatException($"{indexPath}: tensor '{name}' is mapped to '{shard}' but that shard does not contain it.");
            }
        }

        return new Checkpoint(all, files);
    }

    private static Dictionary<string, CheckpointTensor> ReadTensors(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var fileLength = new FileInfo(fullPath).Length;
        if (fileLength < 8)
        {
            throw new CheckpointFormatException($"{path}: {fileLength} bytes is too short for a safetensors file (the 8-byte header length is missing).");
        }

        byte[] header;
        using (var stream = File.OpenRead(fullPath))
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > MaxHeaderBytes)
            {
                throw new CheckpointFormatException($"{path}: header length {headerLength} is implausible (over {MaxHeaderBytes} bytes); not a safetensors file or corrupt.");
            }

            if ((long)headerLength > fileLength - 8)
            {
                throw new CheckpointFormatException($"{path}: header length {headerLength} runs past the end of the {fileLength}-byte file; the file is truncated.");
            }

            header = new byte[headerLength];
            stream.ReadExactly(header);
        }

        var dataStart = 8 + header.LongLength;
        var dataLength = fileLength - dataStart;
        var entries = ParseHeader(path, header);

        long expectedOffset = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin))
        {
            if (entry.End > dataLength)
            {
                throw new CheckpointFormatException(
                    $"{path}: tensor '{entry.Name}' needs bytes [{entry.Begin}, {entry.End}) but the data section has only {dataLength}; the file is truncated.");
            }

            if (entry.Begin != expectedOffset)
            {
                throw new CheckpointFormatException(
                    $"{path}: tensor '{entry.Name}' starts at byte {entry.Begin} but the previous tensor ends at {expectedOffset}; tensors overlap or leave a gap, so the header is corrupt.");
            }

            expectedOffset = entry.End;
        }

        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var offset = dataStart + entry.Begin;
            var count = entry.End - entry.Begin;
            tensors[entry.Name] = new CheckpointTensor(entry.Name, entry.DType, entry.Shape, () => ReadRange(fullPath, offset, count));
        }

        return tensors;
    }

    private static List<HeaderEntry> ParseHeader(string path, byte[] header)
    {
        var entries = new List<HeaderEntry>();
        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException($"{path}: the header is not a JSON object.");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                entries.Add(ParseEntry(path, property));
            }
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{path}: the header is not valid JSON ({e.Message}); the file is corrupt.", e);
        }

        return entries;
    }

    private static HeaderEntry ParseEntry(string path, JsonProperty property)
    {
        var name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement)
            || !value.TryGetProperty("shape", out var shapeElement)
            || !value.TryGetProperty("data_offsets", out var offsetsElement))
        {
            throw new CheckpointFormatException($"{path}: header entry '{name}' must have dtype, shape and data_offsets.");
        }

        var tag = dtypeElement.GetString() ?? string.Empty;
        if (!TensorDTypeExtensions.TryParseSafetensors(tag, out var dtype))
        {
            throw new CheckpointFormatException($"{path}: tensor '{name}' has unsupported dtype '{tag}'.");
        }

        var shape = shapeElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (shape.Any(d => d < 0))
        {
            throw new CheckpointFormatException($"{path}: tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].");
        }

        var offsets = offsetsElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
        {
            throw new CheckpointFormatException($"{path}: tensor '{name}' has invalid data_offsets [{string.Join(", ", offsets)}].");
        }

        var expectedBytes = shape.Aggregate(1L, (a, b) => checked(a * b)) * dtype.ElementSize();
        if (offsets[1] - offsets[0] != expectedBytes)
        {
            throw new CheckpointFormatException(
                $"{path}: tensor '{name}' ({tag} [{string.Join(", ", shape)}]) needs {expectedBytes} bytes but data_offsets span {offsets[1] - offsets[0]}.");
        }

        return new HeaderEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static byte[] ReadRange(string path, long offset, long count)
    {
        if (count > Array.MaxLength)
        {
            throw new CheckpointFormatException($"{path}: a single tensor of {count} bytes exceeds what one array can hold.");
        }

        var bytes = new byte[count];
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(read), offset + read);
            if (n == 0)
            {
                throw new CheckpointFormatException($"{path}: unexpected end of file while reading a tensor at byte {offset + read}.");
            }

            read += n;
        }

        return bytes;
    }

    private sealed record HeaderEntry(string Name, TensorDType DType, long[] Shape, long Begin, long End);
}
