using ProtSt.Model.Onnx;

namespace ProtSt.Model.Folders;

/// <summary>Options for <see cref="ModelConverter"/>.</summary>
public sealed record ConvertOptions
{
    public WeightPrecision Precision { get; init; } = WeightPrecision.Fp32;

    /// <summary>The graph flavour; fused is the default because it measured faster (docs/benchmarks.md).</summary>
    public GraphVariant Variant { get; init; } = GraphVariant.Fused;

    public long ExternalDataThreshold { get; init; } = OnnxModelWriter.DefaultExternalDataThreshold;
}
