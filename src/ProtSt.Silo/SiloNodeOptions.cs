using System.Net;

namespace ProtSt.Silo;

/// <summary>Where a silo host listens, what address it gives the cluster and how long it may take to leave; bound from the <c>Silo</c> configuration section (loopback unless configured).</summary>
public sealed class SiloNodeOptions
{
    public const string SectionName = "Silo";

    /// <summary>ASP.NET Core URLs for the job view, the API, /metrics, /healthz and /readyz; <c>--urls</c> overrides.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>The silo-to-silo port; 0 picks a free one. <c>--silo-port</c> overrides.</summary>
    public int SiloPort { get; set; }

    /// <summary>The client gateway port; 0 picks a free one. <c>--gateway-port</c> overrides.</summary>
    public int GatewayPort { get; set; }

    /// <summary>The IP address other silos and clients reach this silo at (needs a Redis cluster); null: loopback, or POD_IP under Kubernetes.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The IP address the silo and gateway ports listen on (e.g. <c>0.0.0.0</c>); null: the advertised address.</summary>
    public string? ListenAddress { get; set; }

    /// <summary>Use Orleans' Kubernetes hosting (pod name, namespace and IP from POD_NAME, POD_NAMESPACE, POD_IP); only inside a pod.</summary>
    public bool Kubernetes { get; set; }

    /// <summary>How long a stopping silo (SIGTERM, Ctrl+C) may take to leave the cluster and finish its in-flight calls; keep the pod's grace period longer.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an active silo of a Redis cluster checks that its row is still in the membership table (and writes the table back when the store lost it); /readyz follows the last check.</summary>
    public TimeSpan MembershipCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The advertised address parsed, or null when none is configured.</summary>
    public IPAddress? ParsedAdvertisedAddress() => Parse(AdvertisedAddress, nameof(AdvertisedAddress));

    /// <summary>The listen address parsed, or null when none is configured.</summary>
    public IPAddress? ParsedListenAddress() => Parse(ListenAddress, nameof(ListenAddress));

    private static IPAddress? Parse(string? text, string name) =>
        string.IsNullOrWhiteSpace(text) ? null
        : IPAddress.TryParse(text, out var address) ? address
        : throw new ArgumentException($"{SectionName}:{name} must be an IP address, not '{text}'.");
}
