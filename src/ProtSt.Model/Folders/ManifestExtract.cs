namespace ProtSt.Model.Folders;

/// <summary>
/// The extraction graphs beside the encoder: <see cref="Onnx"/> gives every layer's states, means and
/// <c>&lt;cls&gt;</c> states on the encoder's attention path; <see cref="ContactsOnnx"/>, written when the checkpoint had
/// a contact head, gives the same outputs and contacts on the plain attention path. Both at the encoder's precision.
/// </summary>
/// <param name="Onnx">The layers graph.</param>
/// <param name="ExternalData">The layers graph's weights, when they were written outside it.</param>
/// <param name="Contacts">True when the folder gives contacts (the checkpoint had a contact head).</param>
/// <param name="ContactsOnnx">
/// The contacts graph. Null with <paramref name="Contacts"/> true in folders converted before it existed, where
/// <paramref name="Onnx"/> itself carries the contact head and serves every request.
/// </param>
/// <param name="ContactsExternalData">The contacts graph's weights, when they were written outside it.</param>
public sealed record ManifestExtract(ManifestFile Onnx, ManifestFile? ExternalData, bool Contacts, ManifestFile? ContactsOnnx = null, ManifestFile? ContactsExternalData = null);
