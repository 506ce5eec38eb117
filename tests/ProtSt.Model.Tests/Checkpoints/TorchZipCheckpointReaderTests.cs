using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Checkpoints;

public sealed class TorchZipCheckpointReaderTests
{
    private static string Fixture(string golden, string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", golden, file);

    private static byte[] BFloat16(params float[] values) =>
        MemoryMarshal.AsBytes(values.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)).ToArray().AsSpan()).ToArray();

    private static byte[] Float32(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static CheckpointFormatException Refused(string path) =>
        Assert.Throws<CheckpointFormatException>(() => TorchZipCheckpointReader.Read(path));

    private static void Rewrite(string path, Action<ZipArchive> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        edit(zip);
    }

    private static void Replace(ZipArchive zip, string name, byte[] bytes, CompressionLevel level = CompressionLevel.NoCompression)
    {
        zip.GetEntry(name)?.Delete();
        using var stream = zip.CreateEntry(name, level).Open();
        stream.Write(bytes);
    }

    [Fact]
    public void Reads_the_same_tensors_as_the_safetensors_copy()
    {
        var bin = TorchZipCheckpointReader.Read(Fixture("esm2-tiny-bin", "pytorch_model.bin"));
        var safetensors = SafetensorsReader.Read(Fixture("esm2-tiny", "model.safetensors"));
        Assert.Equal(safetensors.Tensors.Keys.Order(StringComparer.Ordinal), bin.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in safetensors.Tensors)
        {
            var actual = bin.Get(name);
            Assert.Equal(expected.DType, actual.DType);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.ReadBytes(), actual.ReadBytes());
        }

        Assert.Equal([Path.GetFullPath(Fixture("esm2-tiny-bin", "pytorch_model.bin"))], bin.SourceFiles);
    }

    [Fact]
    public void Tensors_can_be_read_concurrently()
    {
        var bin = TorchZipCheckpointReader.Read(Fixture("esm2-tiny-bin", "pytorch_model.bin"));
        var safetensors = SafetensorsReader.Read(Fixture("esm2-tiny", "model.safetensors"));
        var names = bin.Tensors.Keys.ToArray();
        var read = new byte[names.Length][];
        Parallel.For(0, names.Length * 4, i => read[i % names.Length] = bin.Get(names[i % names.Length]).ReadBytes());
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(safetensors.Get(names[i]).ReadBytes(), read[i]);
        }
    }

    [Fact]
    public void Reads_bfloat16_scalars_offsets_and_strided_views()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("pytorch_model.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(')
            .String("scalar").Tensor("BFloat16Storage", "0", 7, 6, [], [])
            .String("offset").Tensor("BFloat16Storage", "0", 7, 1, [2, 2], [2, 1])
            .String("transposed").Tensor("BFloat16Storage", "0", 7, 0, [3, 2], [1, 3])
            .String("square_transposed").Tensor("BFloat16Storage", "0", 7, 0, [2, 2], [1, 2])
            .String("expanded").Tensor("BFloat16Storage", "0", 7, 4, [2, 3], [0, 1])
            .String("rows_of_a_matrix").Tensor("BFloat16Storage", "0", 7, 1, [2, 2], [3, 1])
            .String("empty").Tensor("BFloat16Storage", "0", 7, 0, [0, 4], [4, 1])
            .Op((byte)'u', (byte)'.')
            .Storage("0", BFloat16(1f, 2f, 3f, 4f, 5f, 6f, 7f))
            .Write(path);

        var checkpoint = TorchZipCheckpointReader.Read(path);
        var scalar = checkpoint.Get("scalar");
        Assert.Equal([7f], scalar.ReadFloat32());
        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal([2f, 3f, 4f, 5f], checkpoint.Get("offset").ReadFloat32());
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], checkpoint.Get("transposed").ReadFloat32());
        Assert.Equal([1f, 3f, 2f, 4f], checkpoint.Get("square_transposed").ReadFloat32());
        Assert.Equal([5f, 6f, 7f, 5f, 6f, 7f], checkpoint.Get("expanded").ReadFloat32());
        Assert.Equal([2f, 3f, 5f, 6f], checkpoint.Get("rows_of_a_matrix").ReadFloat32());
        Assert.Empty(checkpoint.Get("empty").ReadBytes());
        Assert.Equal([0L, 4], checkpoint.Get("empty").Shape);
        Assert.All(checkpoint.Tensors.Values, t => Assert.Equal(TensorDType.BFloat16, t.DType));
    }

    [Fact]
    public void Reads_views_of_a_compressed_storage()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("pytorch_model.bin");
        var values = Enumerable.Range(0, 5000).Select(i => (float)i).ToArray();
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(')
            .String("tail").Tensor("FloatStorage", "0", 5000, 4990, [2, 5], [5, 1])
            .String("columns").Tensor("FloatStorage", "0", 5000, 4000, [3, 2], [1, 500])
            .Op((byte)'u', (byte)'.')
            .Write(path);
        Rewrite(path, zip => Replace(zip, "archive/data/0", Float32(values), CompressionLevel.Optimal));

        var checkpoint = TorchZipCheckpointReader.Read(path);
        Assert.Equal([4990f, 4991f, 4992f, 4993f, 4994f, 4995f, 4996f, 4997f, 4998f, 4999f], checkpoint.Get("tail").ReadFloat32());
        Assert.Equal([4000f, 4500f, 4001f, 4501f, 4002f, 4502f], checkpoint.Get("columns").ReadFloat32());
    }

    [Fact]
    public void Reads_a_protocol_4_ordered_dict_with_metadata_parameters_and_int64()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("pytorch_model.bin");
        var halves = new[] { (Half)1.5f, (Half)(-2f), (Half)0.25f };
        new TorchZipBuilder().Proto4(0)
            .StackGlobal("collections", "OrderedDict").Op((byte)')', (byte)'R').Memoize()
            .Op((byte)'(')
            .Short("position_ids").Memoize().Tensor4("LongStorage", "0", 3, 0, [1, 3], [3, 1])
            .Short("bias").Memoize()
            .StackGlobal("torch._utils", "_rebuild_parameter")
            .Tensor4("HalfStorage", "1", 3, 0, [3], [1])
            .Op(0x88).StackGlobal("collections", "OrderedDict").Op((byte)')', (byte)'R').Memoize()
            .Op(0x87).Memoize().Op((byte)'R').Memoize()
            .Op((byte)'u')

            // state = {'_metadata': OrderedDict([('', {'version': 1})])}, applied with BUILD as torch does.
            .Op((byte)'}').Memoize().Short("_metadata").Memoize()
            .StackGlobal("collections", "OrderedDict").Op((byte)')', (byte)'R').Memoize()
            .Short(string.Empty).Op((byte)'}').Memoize().Short("version").Op((byte)'K', 1).Op((byte)'s')
            .Op((byte)'s', (byte)'s', (byte)'b', (byte)'.')
            .Storage("0", MemoryMarshal.AsBytes(new long[] { 0, 1, 2 }.AsSpan()).ToArray())
            .Storage("1", MemoryMarshal.AsBytes(halves.AsSpan()).ToArray())
            .Write(path);

        var checkpoint = TorchZipCheckpointReader.Read(path);
        Assert.Equal(["position_ids", "bias"], checkpoint.Tensors.Keys);
        var ids = checkpoint.Get("position_ids");
        Assert.Equal(TensorDType.Int64, ids.DType);
        Assert.Equal([1L, 3], ids.Shape);
        Assert.Equal([0L, 1, 2], MemoryMarshal.Cast<byte, long>(ids.ReadBytes()).ToArray());
        Assert.Equal(TensorDType.Float16, checkpoint.Get("bias").DType);
        Assert.Equal([1.5f, -2f, 0.25f], checkpoint.Get("bias").ReadFloat32());
    }

    [Fact]
    public void Reads_the_bfloat16_protst_checkpoint_with_its_zero_dimensional_logit_scale()
    {
        var checkpoint = TorchZipCheckpointReader.Read(Fixture("protst-tiny", "pytorch_model.bin"));
        var scale = checkpoint.Get("logit_scale");
        Assert.Equal(TensorDType.BFloat16, scale.DType);
        Assert.Empty(scale.Shape);
        Assert.Equal(1, scale.ElementCount);
        Assert.True(float.IsFinite(scale.ReadFloat32()[0]));
        Assert.All(checkpoint.Tensors.Values, t => Assert.Equal(t.ByteCount, t.ReadBytes().LongLength));
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("nt", "system")]
    [InlineData("subprocess", "Popen")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("__builtin__", "getattr")]
    [InlineData("torch", "load")]
    [InlineData("torch._utils", "_rebuild_tensor")]
    public void A_global_outside_the_allow_list_is_refused_and_nothing_runs(string module, string name)
    {
        using var scratch = new TempDirectory();
        var marker = scratch.Combine("pwned");
        var path = scratch.Combine("pytorch_model.bin");
        new TorchZipBuilder().Proto().Global(module, name).Op((byte)'(').String($"touch {marker}").Op((byte)'t', (byte)'R', (byte)'.').Write(path);

        var error = Refused(path);
        Assert.Equal(
            $"pytorch_model.bin: refuses to load global '{module}.{name}': only torch state dicts (tensors in an ordered dict) are allowed; nothing was executed.",
            error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_stack_global_outside_the_allow_list_is_refused_and_nothing_runs()
    {
        using var scratch = new TempDirectory();
        var marker = scratch.Combine("pwned");
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().String("builtins").String("eval").Op(0x93).Op((byte)'(')
            .String($"open('{marker}', 'w')").Op((byte)'t', (byte)'R', (byte)'.').Write(path);
        var error = Refused(path);
        Assert.Contains("refuses to load global 'builtins.eval'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_global_is_matched_as_written_not_as_a_dotted_path()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Global("torch", "_utils._rebuild_tensor_v2").Op((byte)'.').Write(path);
        Assert.Contains("refuses to load global", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calling_an_allowed_global_that_is_not_a_callable_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Global("torch", "FloatStorage").Op((byte)')', (byte)'R', (byte)'.').Write(path);
        Assert.Contains("REDUCE on global 'torch.FloatStorage' is not allowed", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calling_something_that_is_not_a_global_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().String("os.system").Op((byte)'(').String("id").Op((byte)'t', (byte)'R', (byte)'.').Write(path);
        Assert.Contains("REDUCE on the string 'os.system' is not allowed", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_allowed_callable_with_unexpected_arguments_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Global("collections", "OrderedDict").Op((byte)'(').String("x").Op((byte)'t', (byte)'R', (byte)'.').Write(path);
        Assert.Contains("collections.OrderedDict called with unexpected arguments (the string 'x')", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_on_anything_but_a_dict_is_refused()
    {
        // BUILD is how a pickle reaches __setstate__; only the OrderedDict metadata torch writes is let through.
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Global("collections", "OrderedDict").Op((byte)'}', (byte)'b', (byte)'.').Write(path);
        Assert.Contains("BUILD on global 'collections.OrderedDict' is not allowed", Refused(path).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((byte)'i')] // INST: imports and calls
    [InlineData((byte)'o')] // OBJ
    [InlineData(0x81)] // NEWOBJ
    [InlineData(0x82)] // EXT1
    [InlineData((byte)'P')] // PERSID (text form)
    [InlineData(0xFF)]
    public void An_opcode_torch_does_not_write_is_refused_naming_it_and_its_offset(byte opcode)
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Op(opcode).Op("os\nsystem\n"u8.ToArray()).Op((byte)'.').Write(path);
        Assert.Contains($"opcode 0x{opcode:X2} at byte 2 ", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_pickle_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("cut.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[4]).Write(path, truncatePickle: true);
        Assert.Contains("truncated", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_length_past_the_end_of_the_pickle_is_refused_before_allocating()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("cut.bin");
        new TorchZipBuilder().Proto().Op((byte)'X').Op(BitConverter.GetBytes(int.MaxValue)).Op("abc"u8.ToArray()).Write(path);
        Assert.Contains($"a {int.MaxValue}-byte value at byte 7 runs past the end of the pickle (truncated file)", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unbounded_stack_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("bomb.bin");
        new TorchZipBuilder().Proto().Op(Enumerable.Repeat((byte)'N', (1 << 20) + 1).ToArray()).Op((byte)'.').Write(path);
        Assert.Contains("the pickle stack grows past", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_storage_is_named()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("missing.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "7", 1, 0, [1], [1]).Op((byte)'u', (byte)'.').Write(path);
        Assert.Contains("tensor 'w' refers to storage '7', which the archive does not contain", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_storage_key_that_is_a_path_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("slip.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "../data.pkl", 1, 0, [1], [1]).Op((byte)'u', (byte)'.').Write(path);
        Assert.Contains("storage key '../data.pkl' is not a plain name", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_persistent_id_that_is_not_a_storage_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("evil.bin");
        new TorchZipBuilder().Proto().Op((byte)'(').String("storage").String("torch.FloatStorage").String("0").String("cpu").Int(1)
            .Op((byte)'t', (byte)'Q', (byte)'.').Write(path);
        Assert.Contains("persistent id a 5-tuple is not a torch storage reference", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_past_its_storage_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("overrun.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "0", 4, 2, [2, 2], [2, 1]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[16]).Write(path);
        Assert.Contains("tensor 'w' reaches element 5 of a storage with 4 elements", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_storage_entry_shorter_than_the_view_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("short.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w").Tensor("FloatStorage", "0", 4, 0, [4], [1]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[8]).Write(path);
        Assert.Contains("tensor 'w' needs 16 bytes of storage '0' but its entry holds 8", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_whose_extent_overflows_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("overflow.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w")
            .Tensor("FloatStorage", "0", 4, 0, [int.MaxValue, int.MaxValue, int.MaxValue], [int.MaxValue, int.MaxValue, 1]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[16]).Write(path);
        Assert.Contains("tensor 'w' (offset 0, shape [2147483647, 2147483647, 2147483647], stride [2147483647, 2147483647, 1]) has an extent that overflows", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stride_zero_views_larger_than_their_storage_are_refused_before_any_allocation()
    {
        // Issue 18's file: 4 KB whose tensors are stride-0 views of one 4-byte storage, shaped for intermediate_size
        // 2,000,000; converting it used 4.4 GiB and wrote a 2 GB model.
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "checkpoints", "stride0-checkpoint", "pytorch_model.bin");
        Assert.Contains("a view that repeats elements past its storage's size is refused", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stride_zero_view_too_large_for_an_array_is_refused_not_an_overflow()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("huge.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'(').String("w")
            .Tensor("FloatStorage", "0", 1, 0, [65536, 65536], [0, 0]).Op((byte)'u', (byte)'.')
            .Storage("0", new byte[4]).Write(path);
        Assert.Contains("would be 17179869184 bytes, more than the 4 bytes of its storage '0'", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_is_not_a_tensor_is_named()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("int.bin");
        new TorchZipBuilder().Proto().Op((byte)'}').String("epoch").Int(3).Op((byte)'s', (byte)'.').Write(path);
        Assert.Contains("'epoch' holds the integer 3, not a tensor", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_top_level_that_is_not_a_dict_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("list.bin");
        new TorchZipBuilder().Proto().Op((byte)']', (byte)'.').Write(path);
        Assert.Contains("the pickle holds a list of 0 items, not a state dict", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_big_endian_checkpoint_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("big.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'.').Write(path);
        Rewrite(path, zip => Replace(zip, "archive/byteorder", Encoding.ASCII.GetBytes("big")));
        Assert.Contains("byteorder is 'big'", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_archive_with_two_pickles_is_refused()
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine("two.bin");
        new TorchZipBuilder().Proto().Op((byte)'}', (byte)'.').Write(path);
        Rewrite(path, zip => Replace(zip, "other/data.pkl", [0x80, 2, (byte)'}', (byte)'.']));
        Assert.Contains("expected exactly one data.pkl in the zip archive, found 2", Refused(path).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("legacy", new byte[] { 0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E }, "legacy pre-1.6")]
    [InlineData("garbage", new byte[] { 0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45, 0x0A }, "")]
    [InlineData("empty", new byte[0], "")]
    public void A_file_that_is_not_a_zip_is_refused(string name, byte[] bytes, string reason)
    {
        using var scratch = new TempDirectory();
        var path = scratch.Combine(name + ".bin");
        File.WriteAllBytes(path, bytes);
        var error = Refused(path);
        Assert.StartsWith($"{name}.bin: not a torch zip checkpoint (", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("re-save it with a recent torch", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("safetensors", error.Message, StringComparison.Ordinal);
    }
}
