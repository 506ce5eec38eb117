namespace ProtSt.Model.Folders;

/// <summary>
/// The extraction graph beside the encoder: every layer's states, means and <c>&lt;cls&gt;</c> states, and contacts
/// when the checkpoint had a contact head; plain attention path, the encoder's precision.
/// </summary>
public sealed record ManifestExtract(ManifestFile Onnx, ManifestFile? ExternalData, bool Contacts);
