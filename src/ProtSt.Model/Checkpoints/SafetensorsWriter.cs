using System.Buffers.Binary;
using System.Text.Json;

namespace ProtSt.Model.Checkpoints;

/// <summary>Writes <c>.safetensors</c> files (demo checkpoints, classifier heads, test fixtures).</summary>
public static class SafetensorsWriter
{
    /// <summary>A tensor to write: raw little-endian bytes in <see cref="DType"/>.</summary>
    public sealed record Entry(string Name, TensorDType DType, IReadOnlyList<long> Shape, byte[] Data);

    public static Entry Float32(string name, IReadOnlyList<long> shape, float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return new Entry(name, TensorDType.Float32, shape, bytes);
    }

    public static void Write(string path, IEnumerable<Entry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = entries.ToList();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var entry in list)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToSafetensorsTag());
                json.WriteStartArray("shape");
                foreach (var d in entry.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.Data.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.Data.LongLength;
            }

            json.WriteEndObject();
        }

        // The format pads the header with spaces to 8-byte alignment so readers can map tensors aligned.
        var headerLength = buffer.Length;
        var padded = (headerLength + 7) / 8 * 8;
        for (var i = headerLength; i < padded; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        using var file = File.Create(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)buffer.Length);
        file.Write(lengthBytes);
        buffer.Position = 0;
        buffer.CopyTo(file);
        foreach (var entry in list)
        {
            file.Write(entry.Data);
        }
    }
}
