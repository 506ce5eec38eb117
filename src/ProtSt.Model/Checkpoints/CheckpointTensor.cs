using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ProtSt.Model.Checkpoints;

/// <summary>One named tensor of a checkpoint; its bytes are read only when asked for, so a converter holds one tensor at a time.</summary>
public sealed class CheckpointTensor
{
    private readonly Func<byte[]> _readContiguousBytes;

    /// <summary>Describes a tensor whose bytes come from <paramref name="readContiguousBytes"/>.</summary>
    /// <param name="name">The state-dict key.</param>
    /// <param name="dtype">The stored element type.</param>
    /// <param name="shape">The dimensions, outermost first.</param>
    /// <param name="readContiguousBytes">Returns the tensor's elements, row-major and contiguous, little-endian, in <paramref name="dtype"/>.</param>
    public CheckpointTensor(string name, TensorDType dtype, IReadOnlyList<long> shape, Func<byte[]> readContiguousBytes)
    {
        Name = name;
        DType = dtype;
        Shape = shape.ToArray();
        ElementCount = Shape.Aggregate(1L, (a, b) => checked(a * b));
        _readContiguousBytes = readContiguousBytes;
    }

    public string Name { get; }

    public TensorDType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ElementCount { get; }

    public long ByteCount => ElementCount * DType.ElementSize();

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>The raw little-endian bytes, contiguous, in <see cref="DType"/>.</summary>
    public byte[] ReadBytes()
    {
        var bytes = _readContiguousBytes();
        if (bytes.LongLength != ByteCount)
        {
            throw new CheckpointFormatException(
                $"Tensor '{Name}' ({DType} {ShapeText}) should hold {ByteCount} bytes but its data has {bytes.LongLength}.");
        }

        return bytes;
    }

    /// <summary>The values widened (or narrowed, for float64) to float32.</summary>
    public float[] ReadFloat32()
    {
        if (!DType.IsFloatingPoint())
        {
            throw new CheckpointFormatException($"Tensor '{Name}' is {DType}, expected a floating-point tensor.");
        }

        var bytes = ReadBytes();
        var result = new float[ElementCount];
        switch (DType)
        {
            case TensorDType.Float32:
                Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
                break;
            case TensorDType.Float16:
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = (float)halves[i];
                }

                break;
            case TensorDType.BFloat16:
                // bfloat16 is the upper half of a float32: widening is a shift, exact.
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                }

                break;
            case TensorDType.Float64:
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8));
                }

                break;
        }

        return result;
    }

    public override string ToString() => $"{Name} {DType} {ShapeText}";
}
