namespace ProtSt.Model.Folders;

/// <summary>The graph that follows the protein encoder: the ProtST projection (<c>feature</c>) or a classifier (logits and probabilities).</summary>
public sealed record ManifestHead(ManifestFile Onnx, int OutputWidth);
