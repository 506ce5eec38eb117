using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ProtSt.Grains.Hosting;

/// <summary>
/// Mutual TLS on the silo-to-silo and gateway ports, bound from the <c>Tls</c> section and read by silos and clients
/// alike: this node's certificate (PEM with its key, or PKCS#12) and the authority every peer's certificate must chain
/// to. Off while <see cref="Certificate"/> is unset.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string SectionName = "Tls";

    /// <summary>This node's certificate: a PEM file (its key in <see cref="PrivateKey"/> or in the same file) or a PKCS#12 (.pfx/.p12) file; null: no TLS.</summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key of <see cref="Certificate"/>, when it is not in the certificate's own file.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>The password of a PKCS#12 file or of an encrypted PEM key (environment <c>PROTST_Tls__Password</c> keeps it out of files).</summary>
    public string? Password { get; set; }

    /// <summary>PEM file of the certificate authority (or authorities) that issued the cluster's certificates; the only roots peers are checked against.</summary>
    public string? CertificateAuthority { get; set; }

    /// <summary>Longest a TLS handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether TLS is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Certificate);

    /// <summary>Loads this node's certificate with its private key; a missing or unreadable file is an <see cref="InvalidOperationException"/> naming the setting.</summary>
    public X509Certificate2 LoadCertificate()
    {
        var path = Existing(Certificate, nameof(Certificate));
        try
        {
            if (!IsPem(path))
            {
                return X509CertificateLoader.LoadPkcs12FromFile(path, Password);
            }

            var key = PrivateKey is { Length: > 0 } ? Existing(PrivateKey, nameof(PrivateKey)) : path;
            return Password is { Length: > 0 }
                ? X509Certificate2.CreateFromEncryptedPemFile(path, Password, key)
                : X509Certificate2.CreateFromPemFile(path, key);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"{SectionName}:{nameof(Certificate)} '{path}' could not be loaded with its private key ({e.Message.TrimEnd('.')}): give a PEM certificate with " +
                $"{SectionName}:{nameof(PrivateKey)}, or a PKCS#12 file with {SectionName}:{nameof(Password)}.", e);
        }
    }

    /// <summary>Loads the authorities peers must chain to; TLS without one is refused, since any certificate would then do.</summary>
    public X509Certificate2Collection LoadAuthorities()
    {
        var path = Existing(CertificateAuthority, nameof(CertificateAuthority));
        var authorities = new X509Certificate2Collection();
        try
        {
            if (IsPem(path))
            {
                authorities.ImportFromPemFile(path);
            }
            else
            {
                authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(CertificateAuthority)} '{path}' holds no readable certificate ({e.Message.TrimEnd('.')}).", e);
        }

        return authorities.Count > 0 ? authorities
            : throw new InvalidOperationException($"{SectionName}:{nameof(CertificateAuthority)} '{path}' holds no certificate.");
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/>, trusting nothing else (not
    /// the machine's roots). Host names are not compared: silos are reached at addresses that change (pod IPs), so a
    /// certificate from the cluster's own authority is what makes a peer a member.
    /// </summary>
    public static bool Trusts(X509Certificate2Collection authorities, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static string Existing(string? path, string name) =>
        string.IsNullOrWhiteSpace(path)
            ? throw new InvalidOperationException($"{SectionName}:{name} must be set when {SectionName}:{nameof(Certificate)} is (TLS is mutual: every node presents a certificate and checks its peers' against the authority).")
            : File.Exists(path) ? Path.GetFullPath(path)
            : throw new InvalidOperationException($"{SectionName}:{name} '{path}' does not exist.");

    private static bool IsPem(string path)
    {
        Span<byte> start = stackalloc byte[64];
        using var file = File.OpenRead(path);
        var read = file.Read(start);
        return System.Text.Encoding.ASCII.GetString(start[..read]).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
