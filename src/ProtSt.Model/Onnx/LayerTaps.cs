namespace ProtSt.Model.Onnx;

/// <summary>
/// Callbacks the plain layer loop makes while it emits the blocks, so a graph can output what lies inside the loop.
/// </summary>
/// <param name="Block">Block <c>k</c>'s output (fair-esm layer <c>k</c>, 1-based) at compute precision, for every block but the last.</param>
/// <param name="Attention">Block <c>i</c>'s (0-based) attention probabilities [B, heads, T, T] at compute precision.</param>
internal sealed record LayerTaps(Action<int, string>? Block, Action<int, string>? Attention);
