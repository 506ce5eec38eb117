namespace ProtSt.Model.Folders;

/// <summary>A file named in a manifest with its size and SHA-256, so a changed or partial copy is detected.</summary>
public sealed record ManifestFile(string Name, long Bytes, string Sha256);
