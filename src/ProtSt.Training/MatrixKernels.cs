using System.Numerics.Tensors;

namespace ProtSt.Training;

/// <summary>The one matrix product the head needs, C = A·Bᵀ (+ bias), with both operands row-major along the shared dimension.</summary>
internal static class MatrixKernels
{
    // Rows of B taken together by one task: 32 rows of h = 1280 are 160 KB, which stay in a core's L2 while every row of A
    // streams past them.
    private const int ColumnBlock = 32;

    // Below this many multiply-adds the product takes less time than handing work to the thread pool.
    private const long ParallelThreshold = 1 << 18;

    /// <summary>
    /// c[r, o] = Σᵢ a[aOffset + r·inner + i] · b[o·inner + i] (+ bias[o]) for r &lt; rows, o &lt; columns. Each element is one
    /// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> computed by one thread, so the result does not
    /// depend on how the work was split: training is reproducible for a seed.
    /// </summary>
    public static void MultiplyTransposed(float[] a, int aOffset, int rows, float[] b, int columns, int inner, float[]? bias, float[] c)
    {
        var blocks = (columns + ColumnBlock - 1) / ColumnBlock;
        if ((long)rows * columns * inner < ParallelThreshold || blocks == 1)
        {
            for (var block = 0; block < blocks; block++)
            {
                Block(a, aOffset, rows, b, columns, inner, bias, c, block);
            }

            return;
        }

        Parallel.For(0, blocks, block => Block(a, aOffset, rows, b, columns, inner, bias, c, block));
    }

    private static void Block(float[] a, int aOffset, int rows, float[] b, int columns, int inner, float[]? bias, float[] c, int block)
    {
        var first = block * ColumnBlock;
        var last = Math.Min(first + ColumnBlock, columns);
        for (var r = 0; r < rows; r++)
        {
            var row = a.AsSpan(aOffset + (r * inner), inner);
            var output = c.AsSpan(r * columns, columns);
            for (var o = first; o < last; o++)
            {
                var dot = TensorPrimitives.Dot(row, b.AsSpan(o * inner, inner));
                output[o] = bias is null ? dot : dot + bias[o];
            }
        }
    }
}
