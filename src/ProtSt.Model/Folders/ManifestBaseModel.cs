namespace ProtSt.Model.Folders;

/// <summary>
/// The folder whose encoder a fine-tuned folder serves, so the encoder's weights are never copied: its path (relative
/// to the fine-tuned folder when it was written that way) and the SHA-256 of its manifest, which pins every file.
/// </summary>
public sealed record ManifestBaseModel(string Path, string ManifestSha256);
