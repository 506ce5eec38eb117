using System.Runtime.InteropServices;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Checkpoints;

public sealed class TorchZipCheckpointReaderTests
{
    private static string Fixture(string golden, string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", golden, file);

    [Fact]
    public void Reads_the_same_tensors_as_the_safetensors_copy()
    {
        var bin = TorchZipCheckpointReader.Read(Fixture("esm2-tiny-bin", "pytorch_model.bin"));
        var safetensors = SafetensorsReader.Read(Fixture("esm2-tiny", "model.safetensors"));
        Assert.Equal(safetensors.Tensors.Keys.Order(), bin.Tensors.Keys.Order());
        foreach (var (name, expected) in safetensors.Tensors)
        {
            Assert.Equal(expected.Shape, bin.Get(name).Shape);
            Assert.Equal(expected.ReadBytes(), bin.Get(name).ReadBytes());
        }
    }

    [Fact]
    public void Reads_bfloat16_scalars_offsets_and_strided_views()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("pytorch_model.bin");
        float[] values = [1f, 2f, 3f, 4f, 5f, 6f, 7f];
        var bf16 = MemoryMarshal.AsBytes(values.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)).ToArray().AsSpan()).ToArray();
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(')
            .String("scalar").Tensor("BFloat16Storage", "0", 7, 6, [], [])
            .String("offset").Tensor("BFloat16Storage", "0", 7, 1, [2, 2], [2, 1])
            .String("transposed").Tensor("BFloat16Storage", "0", 7, 0, [3, 2], [1, 3])
            .Op((byte)'u', (byte)'.')
            .Storage("0", bf16)
            .Write(path);

        var checkpoint = TorchZipCheckpointReader.Read(path);
        Assert.Equal([7f], checkpoint.Get("scalar").ReadFloat32());
        Assert.Empty(checkpoint.Get("scalar").Shape);
        Assert.Equal([2f, 3f, 4f, 5f], checkpoint.Get("offset").ReadFloat32());
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], checkpoint.Get("transposed").ReadFloat32());
        Assert.Equal(TensorDType.BFloat16, checkpoint.Get("transposed").DType);
    }

    [Fact]
    public void Reads_the_bfloat16_protst_checkpoint_with_its_zero_dimensional_logit_scale()
    {
        var checkpoint = TorchZipCheckpointReader.Read(Fixture("protst-tiny", "pytorch_model.bin"));
        var scale = checkpoint.Get("logit_scale");
        Assert.Equal(TensorDType.BFloat16, scale.DType);
        Assert.Empty(scale.Shape);
        Assert.True(float.IsFinite(scale.ReadFloat32()[0]));
    }

    [Fact]
    public void A_global_outside_the_allow_list_is_refused_and_nothing_runs()
    {
        using var scratch = new TempDirectory();
        var marker = scratch.Combine("pwned");
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Global("os", "system").Op((byte)'(').String($"touch {marker}").Op((byte)'t', (byte)'R', (byte)'.').Write(path);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("refuses to load global 'os.system'", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was executed", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_stack_global_outside_the_allow_list_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().String("builtins").String("eval").Op(0x93).Op((byte)'(').String("1+1").Op((byte)'t', (byte)'R', (byte)'.').Write(path);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("'builtins.eval'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calling_an_allowed_global_that_is_not_a_callable_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Global("torch", "FloatStorage").Op((byte)')', (byte)'R', (byte)'.').Write(path);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("REDUCE on global 'torch.FloatStorage' is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_opcode_torch_does_not_write_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Op((byte)'i').Op("os\nsystem\n"u8.ToArray()).Op((byte)'.').Write(path);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("opcode 0x69 at byte 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_pickle_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("cut.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[4]).Write(path, truncatePickle: true);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_storage_is_named()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("missing.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "7", 1, 0, [1], [1]).Op((byte)'u', (byte)'.').Write(path);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("tensor 'w' refers to storage '7'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_past_its_storage_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("overrun.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "0", 4, 2, [2, 2], [2, 1]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[16]).Write(path);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("tensor 'w' reaches element 5 of a storage with 4 elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_is_not_a_tensor_is_named()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("int.bin");
        new TorchZipBuilder().Proto().Op((byte)'}').String("epoch").Int(3).Op((byte)'s', (byte)'.').Write(path);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("'epoch' holds Int64, not a tensor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("legacy.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]);
        var error = Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));
        Assert.Contains("not a torch zip checkpoint", error.Message, StringComparison.Ordinal);
    }
}
