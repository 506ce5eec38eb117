using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Orleans.Connections.Security;
using ProtSt.Grains.Hosting;

namespace ProtSt.Client;

/// <summary>Mutual TLS to the gateways, from the <c>Tls</c> section the silos read too.</summary>
public static class ClientTls
{
    /// <summary>TLS when <paramref name="tls"/> names a certificate, else the client as it is; the first gateway certificate this client refuses is described in <paramref name="rejected"/>.</summary>
    public static IClientBuilder UseClusterTlsIf(this IClientBuilder client, ClusterTlsOptions tls, StrongBox<string?> rejected) =>
        tls.Enabled ? client.UseClusterTls(tls, rejected) : client;

    /// <summary>Presents this client's certificate and accepts only gateways whose certificate chains to the configured authority.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTlsOptions tls, StrongBox<string?> rejected)
    {
        var certificate = tls.LoadCertificate();
        var authorities = tls.LoadAuthorities();
        return client.UseTls(certificate, o =>
        {
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = (remote, _, _) =>
            {
                var trusted = ClusterTlsOptions.Trusts(authorities, remote);
                // Described now: the certificate is disposed with its connection.
                rejected.Value ??= trusted ? null : $"'{remote.Subject}', issued by '{remote.Issuer}'";
                return trusted;
            };
            o.HandshakeTimeout = tls.HandshakeTimeout;
        });
    }

    /// <summary>
    /// Why connecting failed when the gateways were reached but closed the connection before speaking Orleans (what a
    /// TLS handshake that either side refuses looks like to the client), in words; null when the failure was not that
    /// (nothing listening, nothing reached).
    /// </summary>
    public static string? HandshakeFailure(Exception failure, ClusterTlsOptions tls, string? rejectedGateway)
    {
        var chain = Chain(failure).ToList();
        if (chain.Any(e => e is SocketException or TimeoutException)
            || !chain.Any(e => e is ConnectionAbortedException or AuthenticationException || e is InvalidOperationException { Message: "Connection terminated prematurely" }))
        {
            return null;
        }

        var section = ClusterTlsOptions.SectionName;
        if (!tls.Enabled)
        {
            return $"they closed its connections unanswered, as TLS gateways do with a client without a certificate: give --config with a {section} section " +
                $"({section}:Certificate and {section}:PrivateKey issued by the cluster's authority, {section}:CertificateAuthority; deploy/local/cluster.sh up --tls prints one).";
        }

        return rejectedGateway is { } gateway
            ? $"the gateways' certificate ({gateway}) does not chain to {section}:CertificateAuthority '{tls.CertificateAuthority}'."
            : $"the TLS handshake failed: the gateways refused this client's certificate ({section}:Certificate '{tls.Certificate}') " +
              "or do not run TLS; the certificate must be issued by the authority the silos trust.";
    }

    private static IEnumerable<Exception> Chain(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
