using System.Security.Cryptography;

namespace ProtSt.Model.Folders;

/// <summary>SHA-256 of files, streamed so multi-gigabyte weights are never held in memory.</summary>
public static class FileHash
{
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static ManifestFile Describe(string path, string? name = null) =>
        new(name ?? Path.GetFileName(path), new FileInfo(path).Length, Sha256(path));
}
