using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProtSt.Model.Folders;

/// <summary>The <c>manifest.json</c> of a converted model folder: what the graph is and where it came from.</summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";
    /// <summary>Encoder-only folders keep version 1, so older runtimes still read them; heads, text towers and base models need 2.</summary>
    public const int CurrentFormatVersion = 2;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public required int FormatVersion { get; init; }

    public required ModelKind Kind { get; init; }

    /// <summary><c>esm2</c> (rotary positions) or <c>esm1b</c> (learned positions).</summary>
    public required string Architecture { get; init; }

    public required int HiddenSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumHeads { get; init; }

    public required int IntermediateSize { get; init; }

    /// <summary>Residues per sequence the model accepts; longer sequences are truncated or refused.</summary>
    public required int MaxResidues { get; init; }

    public required IReadOnlyList<string> Vocabulary { get; init; }

    public required int PadTokenId { get; init; }

    /// <summary><c>fp32</c>, <c>fp16</c> (float16 weights and compute) or <c>int8</c> (weight-quantized encoder Linears).</summary>
    public required string WeightPrecision { get; init; }

    /// <summary>For int8 models, how the encoder's Linear weights are quantized and which operators run them.</summary>
    public string? Quantization { get; init; }

    public required string GraphVariant { get; init; }

    /// <summary>True for the built-in demo model: its weights are deterministic noise, its outputs mean nothing.</summary>
    public bool Untrained { get; init; }

    public required ManifestFile Onnx { get; init; }

    public ManifestFile? OnnxExternalData { get; init; }

    /// <summary>The extraction graph (every layer, <c>&lt;cls&gt;</c>, contacts); absent in folders converted before it existed or without it.</summary>
    public ManifestExtract? Extract { get; init; }

    /// <summary>The checkpoint files the model was converted from.</summary>
    public required IReadOnlyList<ManifestFile> Source { get; init; }

    public required string ConverterVersion { get; init; }

    /// <summary>Added to the residue count in mean pooling (ProtST: 1e-6; fair-esm: 0).</summary>
    public float PoolingEpsilon { get; init; }

    /// <summary>The graph applied to the mean residue embedding, for zero-shot and classifier folders.</summary>
    public ManifestHead? Head { get; init; }

    /// <summary>The text tower of a zero-shot folder.</summary>
    public ManifestText? Text { get; init; }

    /// <summary>ProtST's learned temperature: scores are exp(logit_scale) × cosine.</summary>
    public double? LogitScale { get; init; }

    /// <summary>A classifier's class names in id order.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Set when the encoder lives in another folder (a fine-tuned head served on a shared encoder).</summary>
    public ManifestBaseModel? BaseModel { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
