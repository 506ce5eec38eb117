using System.Numerics;
using System.Text;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Model.Tests.Checkpoints;

/// <summary>The protocol-4 opcodes (framing, short strings, MEMOIZE, STACK_GLOBAL) a newer pickler writes, for <see cref="TorchZipBuilder"/>.</summary>
internal static class TorchZipBuilderExtensions
{
    public static TorchZipBuilder Proto4(this TorchZipBuilder builder, ulong frameLength) =>
        builder.Op(0x80, 4).Op(0x95).Op(BitConverter.GetBytes(frameLength));

    public static TorchZipBuilder Short(this TorchZipBuilder builder, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return builder.Op(0x8C, checked((byte)bytes.Length)).Op(bytes);
    }

    public static TorchZipBuilder Memoize(this TorchZipBuilder builder) => builder.Op(0x94);

    public static TorchZipBuilder StackGlobal(this TorchZipBuilder builder, string module, string name) =>
        builder.Short(module).Memoize().Short(name).Memoize().Op(0x93).Memoize();

    public static TorchZipBuilder Long1(this TorchZipBuilder builder, long value)
    {
        var bytes = new BigInteger(value).ToByteArray();
        return builder.Op(0x8A, (byte)bytes.Length).Op(bytes);
    }

    /// <summary>A small non-negative int the way pickle writes it: BININT1 when it fits in a byte.</summary>
    public static TorchZipBuilder SmallInt(this TorchZipBuilder builder, int value) =>
        value is >= 0 and < 256 ? builder.Op((byte)'K', (byte)value) : builder.Int(value);

    /// <summary>A tuple of up to three ints with TUPLE1/2/3, as pickle writes short tuples from protocol 2 on.</summary>
    public static TorchZipBuilder ShortTuple(this TorchZipBuilder builder, params int[] values)
    {
        if (values.Length == 0)
        {
            return builder.Op((byte)')');
        }

        foreach (var value in values)
        {
            builder.SmallInt(value);
        }

        return builder.Op((byte)(0x84 + values.Length)).Memoize();
    }

    /// <summary>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) in protocol-4 style; numel goes through LONG1.</summary>
    public static TorchZipBuilder Tensor4(this TorchZipBuilder builder, string storageType, string key, long numel, int offset, int[] shape, int[] stride)
    {
        builder.StackGlobal("torch._utils", "_rebuild_tensor_v2").Op((byte)'(');
        builder.Op((byte)'(').Short("storage").Memoize().StackGlobal("torch", storageType).Short(key).Memoize().Short("cpu").Memoize().Long1(numel).Op((byte)'t').Memoize();
        builder.Op((byte)'Q').Memoize().SmallInt(offset).ShortTuple(shape).ShortTuple(stride).Op(0x89);
        builder.StackGlobal("collections", "OrderedDict").Op((byte)')', (byte)'R').Memoize();
        return builder.Op((byte)'t').Memoize().Op((byte)'R').Memoize();
    }
}
