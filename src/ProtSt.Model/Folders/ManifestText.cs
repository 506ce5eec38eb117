namespace ProtSt.Model.Folders;

/// <summary>ProtST's text tower in a zero-shot folder: its graph, its WordPiece vocabulary and the prompt cut.</summary>
public sealed record ManifestText(ManifestFile Onnx, ManifestFile Vocabulary, int HiddenSize, int NumLayers, int MaxPieces, int FeatureWidth);
