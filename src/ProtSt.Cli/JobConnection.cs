using ProtSt.Client;
using ProtSt.Grains.Hosting;
using ProtSt.Silo;

namespace ProtSt.Cli;

/// <summary>
/// Where commands send jobs: a running cluster whose membership is in Redis, or the embedded in-process silo. Chosen
/// here because the CLI is the one program that carries both the client and a silo; the client alone knows no silo.
/// </summary>
internal static class JobConnection
{
    /// <summary>A client of the cluster at <paramref name="cluster"/>, or else an embedded silo with <paramref name="devices"/> devices (null: as configured).</summary>
    public static async Task<IClusterConnection> OpenAsync(string? cluster, CliConfiguration configuration, int? devices, CancellationToken cancellationToken)
    {
        if (cluster is { Length: > 0 } redis)
        {
            return await ClusterClient.ConnectAsync(redis, configuration.ClusterId, configuration.Security.ApiKey, configuration.JobClient.ConnectTimeout, configuration.Tls, cancellationToken);
        }

        var deviceOptions = configuration.Devices;
        deviceOptions.Count = devices ?? deviceOptions.Count;
        return await EmbeddedSiloHost.StartAsync(deviceOptions, configuration.Monitoring, configuration.Security, configuration.Screen, cancellationToken);
    }
}
