namespace ProtSt.Model.Onnx;

/// <summary>
/// Callbacks the layer loop makes while it emits the blocks, so a graph can output what lies inside the loop.
/// </summary>
/// <param name="Block">Block <c>k</c>'s output (1-based; the residual stream before any final norm, so fair-esm's layer <c>k</c> for every block but the last) at compute precision.</param>
/// <param name="Attention">Block <c>i</c>'s (0-based) attention probabilities [B, heads, T, T] at compute precision.</param>
internal sealed record LayerTaps(Action<int, string>? Block, Action<int, string>? Attention);
