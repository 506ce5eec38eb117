namespace ProtSt.Model.Onnx;

/// <summary>Choices made when a ProtST text tower is turned into an ONNX graph.</summary>
public sealed record TextGraphOptions
{
    public WeightPrecision Precision { get; init; } = WeightPrecision.Fp32;

    /// <summary>Standard operators by default: the text tower runs once per prompt set, so fusing it gains little.</summary>
    public GraphVariant Variant { get; init; } = GraphVariant.Plain;

    /// <summary>Token ids that mean pooling leaves out besides padding: ProtST drops <c>[CLS]</c> and <c>[SEP]</c>.</summary>
    public IReadOnlyList<long> PoolingExcludedIds { get; init; } = [];

    /// <summary>Added to the token count in mean pooling; ProtST adds 1e-6.</summary>
    public float PoolingEpsilon { get; init; } = 1e-6f;

    public string ProducerVersion { get; init; } = "0";
}
