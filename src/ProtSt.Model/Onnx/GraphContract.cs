namespace ProtSt.Model.Onnx;

/// <summary>
/// The input and output names of every graph this converter writes, shared by the graph builders and the sessions
/// that run them; converted folders on disk depend on them, so they never change.
/// </summary>
public static class GraphContract
{
    /// <summary>Token ids [batch, sequence] (int64), input of the protein encoder and of the text tower.</summary>
    public const string InputIds = "input_ids";

    /// <summary>1 for real tokens, 0 for padding [batch, sequence] (int64), input of the protein encoder and of the text tower.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>The last layer's states after its final norm [batch, sequence, hidden], output of both encoders.</summary>
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>The protein encoder's mean over residue positions [batch, hidden]; also the head graph's input.</summary>
    public const string MeanResidueEmbedding = "mean_residue_embedding";

    /// <summary>The extraction graph's prefix for layer k's states [batch, sequence, hidden] (<see cref="HiddenState"/>).</summary>
    public const string HiddenStatePrefix = "hidden_state_";

    /// <summary>The extraction graph's mean over residue positions of every layer 0..L [batch, layers + 1, hidden].</summary>
    public const string LayerMeans = "layer_means";

    /// <summary>The extraction graph's <c>&lt;cls&gt;</c> state of every layer 0..L [batch, layers + 1, hidden].</summary>
    public const string LayerBos = "layer_bos";

    /// <summary>The extraction graph's contact probabilities [batch, sequence, sequence] by token position, 0 off residue pairs.</summary>
    public const string Contacts = "contacts";

    /// <summary>The text tower's mean over prompt tokens [batch, hidden].</summary>
    public const string TextMeanEmbedding = "mean_embedding";

    /// <summary>The text tower's projection into the shared protein–text space [batch, feature].</summary>
    public const string TextFeature = "feature";

    /// <summary>The head graph's input: the protein encoder's mean residue embedding.</summary>
    public const string HeadInput = MeanResidueEmbedding;

    /// <summary>The head graph's output [batch, width]: ProtST's projected feature or a classifier's logits.</summary>
    public const string HeadOutput = "output";

    /// <summary>A classifier head's softmax over its logits [batch, classes].</summary>
    public const string HeadProbabilities = "probabilities";

    /// <summary>
    /// The extraction graph's output for layer <paramref name="layer"/> in fair-esm's numbering: 0 the embedding output,
    /// k block k's output, L after the final norm.
    /// </summary>
    public static string HiddenState(int layer) => HiddenStatePrefix + layer.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
