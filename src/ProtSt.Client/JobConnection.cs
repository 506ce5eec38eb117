using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;
using ProtSt.Silo;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Client;

/// <summary>Where commands send jobs: a running cluster whose membership is in Redis, or the embedded in-process silo.</summary>
public static class JobConnection
{
    public static async Task<IClusterConnection> OpenAsync(
        string? cluster, string clusterId, DeviceOptions devices, MonitoringOptions monitoring, SecurityOptions security, ScreenOptions screen, CancellationToken cancellationToken) =>
        cluster is { Length: > 0 } redis
            ? await ClusterClient.ConnectAsync(redis, clusterId, security.ApiKey, screen.ConnectTimeout, cancellationToken)
            : await EmbeddedSiloHost.StartAsync(devices, monitoring, security, screen, cancellationToken);
}
