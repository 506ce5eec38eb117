using Onnx;
using ProtSt.Model.Checkpoints;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ProtSt.Model.Onnx;

/// <summary>
/// Builds the small graph that follows the protein encoder: a ProtST head (dense → ReLU → out_proj) on the mean residue
/// embedding, giving the projected protein feature, or a classifier's logits and softmax probabilities.
/// </summary>
public static class HeadGraphBuilder
{
    /// <summary>True when the checkpoint holds a head under <paramref name="prefix"/>.</summary>
    public static bool Exists(Checkpoint checkpoint, string prefix) => MlpHeadWeights.Exists(checkpoint, prefix);

    /// <summary>The head's output width (projection size or number of classes), checking it takes <paramref name="inputWidth"/> values.</summary>
    public static int OutputWidth(Checkpoint checkpoint, string prefix, int inputWidth) =>
        checked((int)MlpHeadWeights.Locate(checkpoint, prefix, inputWidth).OutputWidth);

    /// <summary>Builds the head graph; with <paramref name="softmax"/> it also outputs class probabilities.</summary>
    public static ModelProto Build(Checkpoint checkpoint, string prefix, int inputWidth, bool softmax, WeightPrecision precision, string producerVersion)
    {
        var weights = MlpHeadWeights.Locate(checkpoint, prefix, inputWidth);
        var g = new OnnxGraphBuilder("protst_head", precision);
        var input = g.Input(GraphContract.HeadInput, DataType.Float, "batch", (long)inputWidth);
        var output = weights.Emit(g, input);
        g.Output(output, GraphContract.HeadOutput, DataType.Float, "batch", weights.OutputWidth);
        if (softmax)
        {
            g.Output(g.Node("Softmax", [output], null, Attributes.Int("axis", -1)), GraphContract.HeadProbabilities, DataType.Float, "batch", weights.OutputWidth);
        }

        return g.Build(producerVersion, $"head '{prefix}' ({inputWidth} → {weights.HiddenWidth} → {weights.OutputWidth})");
    }
}
