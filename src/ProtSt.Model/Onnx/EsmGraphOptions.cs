using ProtSt.Model.Configuration;

namespace ProtSt.Model.Onnx;

/// <summary>Choices made when an ESM checkpoint is turned into an ONNX graph.</summary>
public sealed record EsmGraphOptions
{
    public GraphVariant Variant { get; init; } = GraphVariant.Fused;

    public WeightPrecision Precision { get; init; } = WeightPrecision.Fp32;

    /// <summary>The operators an <see cref="WeightPrecision.Int8"/> graph runs its quantized MatMuls with.</summary>
    public Int8Scheme Int8Scheme { get; init; } = Int8Scheme.DynamicQuantizeMatMul;

    /// <summary>The tensor-name prefix of the encoder (e.g. <c>esm.</c>); detected when null.</summary>
    public string? TensorPrefix { get; init; }

    /// <summary>The longest token sequence the graph must accept (sizes the rotary tables).</summary>
    public int MaxTokens { get; init; } = 1026;

    /// <summary>
    /// Added to the residue count in mean pooling. 0 divides by the exact count (fair-esm's mean); ProtST adds 1e-6.
    /// </summary>
    public float PoolingEpsilon { get; init; }

    /// <summary>
    /// Build an extraction graph instead of the encoder graph: every layer's states, means and <c>&lt;cls&gt;</c> state,
    /// on <see cref="Variant"/>'s attention path (see <see cref="Contacts"/>).
    /// </summary>
    public bool Extract { get; init; }

    /// <summary>
    /// With <see cref="Extract"/>, also compute contacts from the checkpoint's contact head (the build fails without
    /// one); always the plain attention path (<see cref="Variant"/> is ignored), since contacts read the attention
    /// probabilities that the fused operator keeps to itself.
    /// </summary>
    public bool Contacts { get; init; }

    public string ProducerVersion { get; init; } = "0";

    /// <summary>
    /// The checkpoint's family: <see cref="EncoderFamily.EsmC"/> reads ESM C's tensors and block; for the others the
    /// config's position type decides between ESM-2 and ESM-1b.
    /// </summary>
    public EncoderFamily Family { get; init; } = EncoderFamily.Esm2;

    /// <summary>
    /// Adds each block's output (<c>block_output_N</c>, before the final norm) and, for ESM C, the sequence head's
    /// <c>logits</c>: what the reference implementations report, for checking a conversion, not for serving.
    /// </summary>
    public bool ReferenceOutputs { get; init; }
}
