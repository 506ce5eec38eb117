namespace ProtSt.Model.Inference;

/// <summary>What the text tower computed for a batch of prompts, row-major: features [Count, FeatureWidth] and, when asked, the hidden states.</summary>
public sealed record TextEmbeddings(int Count, int FeatureWidth, float[] Features, int HiddenSize, float[] MeanEmbeddings, int SequenceLength, float[]? LastHiddenState)
{
    public ReadOnlySpan<float> Feature(int row) => Features.AsSpan(row * FeatureWidth, FeatureWidth);
}
