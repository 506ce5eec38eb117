namespace ProtSt.Grains.Inference;

/// <summary>A device's text features for a list of prompts, row-major [Count, Width].</summary>
public sealed record DeviceTextComputation(int Count, int Width, float[] Features);
