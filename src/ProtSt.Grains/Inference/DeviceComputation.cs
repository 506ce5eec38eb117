namespace ProtSt.Grains.Inference;

/// <summary>A device's outputs for one batch, row-major: mean embeddings [B, HiddenSize] and head outputs [B, HeadWidth] when the model has a head.</summary>
public sealed record DeviceComputation(int HiddenSize, float[] MeanEmbeddings, int HeadWidth, float[]? HeadOutputs);
