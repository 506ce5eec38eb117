using System.Buffers.Binary;
using System.Text;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Checkpoints;

public sealed class SafetensorsReaderTests
{
    private static string Golden => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny", "model.safetensors");

    [Fact]
    public void Reads_names_shapes_and_values()
    {
        var checkpoint = SafetensorsReader.Read(Golden);
        var embeddings = checkpoint.Get("esm.embeddings.word_embeddings.weight");
        Assert.Equal([33L, 64], embeddings.Shape);
        Assert.Equal(TensorDType.Float32, embeddings.DType);
        Assert.Equal(33 * 64, embeddings.ReadFloat32().Length);
        Assert.Equal(37, checkpoint.Tensors.Count);
    }

    [Fact]
    public void Round_trips_every_dtype_we_widen_to_float32()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("t.safetensors");
        var values = new[] { 1.5f, -2.25f, 0f, 256f };
        var halves = values.Select(v => (Half)v).ToArray();
        var bf16 = values.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)).ToArray();
        SafetensorsWriter.Write(path,
        [
            SafetensorsWriter.Float32("f32", [2, 2], values),
            new("f16", TensorDType.Float16, [4], halves.SelectMany(h => BitConverter.GetBytes(h)).ToArray()),
            new("bf16", TensorDType.BFloat16, [4], bf16.SelectMany(BitConverter.GetBytes).ToArray()),
            new("scalar", TensorDType.Float32, [], BitConverter.GetBytes(3.5f)),
        ]);
        var checkpoint = SafetensorsReader.Read(path);
        Assert.Equal(values, checkpoint.Get("f32").ReadFloat32());
        Assert.Equal(values, checkpoint.Get("f16").ReadFloat32());
        Assert.Equal(values, checkpoint.Get("bf16").ReadFloat32());
        Assert.Equal([3.5f], checkpoint.Get("scalar").ReadFloat32());
        Assert.Empty(checkpoint.Get("scalar").Shape);
    }

    [Fact]
    public void Truncated_file_is_refused_naming_the_tensor()
    {
        using var scratch = new TempDirectory();
        var bytes = File.ReadAllBytes(Golden);
        var path = scratch.Combine("cut.safetensors");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Read(path));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'esm.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_cut_inside_the_header_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("cut.safetensors");
        File.WriteAllBytes(path, File.ReadAllBytes(Golden)[..200]);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Read(path));
        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Too_short_file_is_refused(int length)
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Read(path));
        Assert.Contains("too short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_header_length_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("garbage.safetensors");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)0xFF, 64).ToArray());
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Read(path));
        Assert.Contains("implausible", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_json_header_is_refused()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => ReadWithHeader("{\"a\": {\"dtype\": \"F32\", "));
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_dtype_is_refused()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => ReadWithHeader("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        Assert.Contains("unsupported dtype 'F8_E4M3'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_that_disagrees_with_the_shape_is_refused()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => ReadWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        Assert.Contains("needs 12 bytes but data_offsets span 8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        var header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        var error = Assert.Throws<CheckpointFormatException>(() => ReadWithHeader(header, 12));
        Assert.Contains("overlap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharded_index_reads_all_shards_and_names_a_missing_one()
    {
        using var scratch = new TempDirectory();
        SafetensorsWriter.Write(scratch.Combine("a.safetensors"), [SafetensorsWriter.Float32("x", [1], [1f])]);
        SafetensorsWriter.Write(scratch.Combine("b.safetensors"), [SafetensorsWriter.Float32("y", [1], [2f])]);
        var index = scratch.Combine("model.safetensors.index.json");
        File.WriteAllText(index, "{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        var checkpoint = SafetensorsReader.ReadSharded(index);
        Assert.Equal([2f], checkpoint.Get("y").ReadFloat32());
        Assert.Equal(2, checkpoint.SourceFiles.Count);

        File.Delete(scratch.Combine("b.safetensors"));
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.ReadSharded(index));
        Assert.Contains("'b.safetensors' is listed but missing", error.Message, StringComparison.Ordinal);
    }

    private static Checkpoint ReadWithHeader(string header, int dataBytes = 0)
    {
        using var scratch = new TempDirectory();
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var path = scratch.Combine("h.safetensors");
        File.WriteAllBytes(path, bytes);
        var checkpoint = SafetensorsReader.Read(path);
        foreach (var tensor in checkpoint.Tensors.Values)
        {
            tensor.ReadBytes();
        }

        return checkpoint;
    }
}
