using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>The <c>Tls</c> section's files: PEM and PKCS#12 certificates load with their keys, peers are trusted only through the configured authority, and a bad setting is one line naming its key.</summary>
public sealed class ClusterTlsOptionsTests
{
    [Fact]
    public void Pem_and_pkcs12_certificates_load_with_their_keys_and_only_the_configured_authority_is_trusted()
    {
        using var scratch = new TempDirectory();
        using var authority = Authority("CN=cluster CA");
        using var stranger = Authority("CN=stranger CA");
        using var node = Issue(authority, "CN=node");
        using var foreign = Issue(stranger, "CN=foreign");
        using var key = node.GetECDsaPrivateKey()!;
        var pem = new ClusterTlsOptions
        {
            Certificate = scratch.Write("node.pem", node.ExportCertificatePem()),
            PrivateKey = scratch.Write("node.key", key.ExportPkcs8PrivateKeyPem()),
            CertificateAuthority = scratch.Write("ca.pem", authority.ExportCertificatePem()),
        };
        var pfx = scratch.Combine("node.pfx");
        File.WriteAllBytes(pfx, node.Export(X509ContentType.Pkcs12, "secret"));

        using var fromPem = pem.LoadCertificate();
        using var fromPfx = new ClusterTlsOptions { Certificate = pfx, Password = "secret" }.LoadCertificate();
        Assert.True(fromPem.HasPrivateKey);
        Assert.True(fromPfx.HasPrivateKey);
        Assert.Equal(node.Thumbprint, fromPfx.Thumbprint);

        var authorities = pem.LoadAuthorities();
        Assert.True(ClusterTlsOptions.Trusts(authorities, node));
        Assert.False(ClusterTlsOptions.Trusts(authorities, foreign));
        Assert.False(ClusterTlsOptions.Trusts(authorities, stranger));

        Assert.Equal("Tls:CertificateAuthority must be set when Tls:Certificate is (TLS is mutual: every node presents a certificate and checks its peers' against the authority).",
            Assert.Throws<InvalidOperationException>(() => new ClusterTlsOptions { Certificate = pem.Certificate, PrivateKey = pem.PrivateKey }.LoadAuthorities()).Message);
        var missing = scratch.Combine("missing.pem");
        Assert.Equal($"Tls:Certificate '{missing}' does not exist.", Assert.Throws<InvalidOperationException>(() => new ClusterTlsOptions { Certificate = missing }.LoadCertificate()).Message);
        Assert.StartsWith($"Tls:Certificate '{pfx}' could not be loaded with its private key",
            Assert.Throws<InvalidOperationException>(() => new ClusterTlsOptions { Certificate = pfx, Password = "wrong" }.LoadCertificate()).Message, StringComparison.Ordinal);
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [7, 7, 7]);
        return issued.CopyWithPrivateKey(key);
    }
}
