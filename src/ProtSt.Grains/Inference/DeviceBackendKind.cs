namespace ProtSt.Grains.Inference;

/// <summary>What a silo's devices compute on; <c>Devices:Backend</c> in configuration.</summary>
public enum DeviceBackendKind
{
    /// <summary>The model folder's ONNX Runtime sessions (production).</summary>
    Onnx,

    /// <summary>A simulated accelerator that waits a configured time per padded token (<c>Devices:Simulated</c>) instead of computing.</summary>
    Simulated,
}
