namespace ProtSt.Model.Inference;

/// <summary>An encoder's results for one batch, row-major: mean residue embeddings [B, D] and optionally hidden states [B, T, D].</summary>
public sealed record EncoderOutput(int BatchSize, int SequenceLength, int HiddenSize, float[] MeanResidueEmbeddings, float[]? LastHiddenState)
{
    public ReadOnlyMemory<float> Mean(int row) => MeanResidueEmbeddings.AsMemory(row * HiddenSize, HiddenSize);

    public ReadOnlySpan<float> Hidden(int row, int position) =>
        (LastHiddenState ?? throw new InvalidOperationException("Hidden states were not requested for this batch."))
            .AsSpan(((row * SequenceLength) + position) * HiddenSize, HiddenSize);
}
