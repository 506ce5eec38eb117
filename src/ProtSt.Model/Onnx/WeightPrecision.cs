namespace ProtSt.Model.Onnx;

/// <summary>How weights are stored in a converted model.</summary>
public enum WeightPrecision
{
    /// <summary>float32 weights, float32 compute.</summary>
    Fp32,

    /// <summary>float16 weights (half the file and download); upcast once when the session loads, float32 compute.</summary>
    Fp16,
}
