using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Online;
using ProtSt.Grains.Security;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo;

/// <summary>How a silo host joins a cluster and what it offers.</summary>
public sealed record SiloHostOptions
{
    /// <summary>A Redis connection string (e.g. <c>127.0.0.1:6379</c>) for cluster membership; null for localhost clustering.</summary>
    public string? Cluster { get; init; }

    /// <summary>Ports, addresses and Kubernetes hosting; loopback on free ports by default.</summary>
    public SiloNodeOptions Node { get; init; } = new();

    public string ClusterId { get; init; } = "protst";

    public DeviceOptions Devices { get; init; } = new();

    public MonitoringOptions Monitoring { get; init; } = new();

    /// <summary>The API key, model roots and size limits; a host listening beyond loopback must have a key and roots.</summary>
    public SecurityOptions Security { get; init; } = new();

    /// <summary>How jobs coordinated on this silo retry shards, watch silos and size their window (the <c>Screen</c> section).</summary>
    public ScreenOptions Screen { get; init; } = new();

    /// <summary>Mutual TLS on the silo-to-silo and gateway ports (the <c>Tls</c> section); off unless a certificate is configured.</summary>
    public ClusterTlsOptions Tls { get; init; } = new();
    /// <summary>The online endpoints' model names, batching window and bounds (the <c>Serving</c> section).</summary>
    public ServingOptions Serving { get; init; } = new();

    /// <summary>Where the host logs instead of the console (the embedded silo of a command); null: stderr.</summary>
    public FileLogSink? LogFile { get; init; }
}
