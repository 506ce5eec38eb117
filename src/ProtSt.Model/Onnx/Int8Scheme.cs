namespace ProtSt.Model.Onnx;

/// <summary>The ONNX Runtime operators an int8 model runs its weight-quantized MatMuls with (measured in docs/benchmarks.md).</summary>
public enum Int8Scheme
{
    /// <summary>com.microsoft DynamicQuantizeMatMul: activations quantized per tensor at run time, u8 × s8 GEMM, per-column scales.</summary>
    DynamicQuantizeMatMul,

    /// <summary>Standard ONNX DynamicQuantizeLinear → MatMulInteger → Cast → Mul by the activation and weight scales.</summary>
    MatMulInteger,

    /// <summary>com.microsoft MatMulNBits with 8 bits, every block of a column sharing its one scale, int8 compute (accuracy level 4).</summary>
    MatMulNBits,
}
