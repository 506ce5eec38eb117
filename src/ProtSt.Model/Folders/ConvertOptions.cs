using ProtSt.Model.Onnx;

namespace ProtSt.Model.Folders;

/// <summary>Options for <see cref="ModelConverter"/>.</summary>
public sealed record ConvertOptions
{
    public WeightPrecision Precision { get; init; } = WeightPrecision.Fp32;

    /// <summary>The operators an int8 model's quantized MatMuls run with; the default measured fastest (docs/benchmarks.md).</summary>
    public Int8Scheme Int8Scheme { get; init; } = Int8Scheme.DynamicQuantizeMatMul;

    /// <summary>The graph flavour; fused is the default because it measured faster (docs/benchmarks.md).</summary>
    public GraphVariant Variant { get; init; } = GraphVariant.Fused;

    /// <summary>
    /// Also write the extraction graph (every layer's states, <c>&lt;cls&gt;</c>, contacts when the checkpoint has a
    /// contact head): a second copy of the weights on disk, opened only when a batch asks for more than the last layer.
    /// </summary>
    public bool Extract { get; init; } = true;

    public long ExternalDataThreshold { get; init; } = OnnxModelWriter.DefaultExternalDataThreshold;

    /// <summary>The text tower's WordPiece <c>vocab.txt</c>; default: the checkpoint folder's, else the shipped PubMedBERT one.</summary>
    public string? TextVocabulary { get; init; }

    /// <summary>Receives warnings about a conversion that succeeds but may not do what was meant (one line each).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>A classifier's class names in id order, overriding the config's <c>id2label</c>.</summary>
    public IReadOnlyList<string>? Labels { get; init; }
}
