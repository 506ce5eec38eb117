using Orleans.Connections.Security;
using ProtSt.Grains.Hosting;

namespace ProtSt.Silo.Security;

/// <summary>Mutual TLS on a silo's silo-to-silo and gateway ports, from the <c>Tls</c> section.</summary>
public static class SiloTls
{
    /// <summary>
    /// Presents the silo's certificate and requires one from every peer, silo or client, chaining to the configured
    /// authority: a connection without one, or with another authority's, ends in the handshake.
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsOptions tls)
    {
        var certificate = tls.LoadCertificate();
        var authorities = tls.LoadAuthorities();
        return silo.UseTls(certificate, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = (remote, _, _) => ClusterTlsOptions.Trusts(authorities, remote);
            o.HandshakeTimeout = tls.HandshakeTimeout;
        });
    }
}
