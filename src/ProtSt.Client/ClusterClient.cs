using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime.Messaging;
using ProtSt.Grains.Hosting;
using StackExchange.Redis;

namespace ProtSt.Client;

/// <summary>A client of a running cluster whose membership lives in Redis.</summary>
public sealed class ClusterClient : IClusterConnection
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly IHost _host;

    private ClusterClient(IHost host, string redis)
    {
        _host = host;
        Description = $"cluster at {redis}";
    }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IClusterClient>();

    public string Description { get; }

    /// <summary>
    /// Connects through the gateways listed in <paramref name="redis"/>, presenting <paramref name="apiKey"/> (if any) on
    /// every call, waiting up to <paramref name="patience"/> for a silo to accept; a Redis that does not answer or a
    /// cluster with no reachable silo is a <see cref="ClusterUnavailableException"/>.
    /// </summary>
    public static async Task<ClusterClient> ConnectAsync(string redis, string clusterId, string? apiKey, TimeSpan patience, CancellationToken cancellationToken) =>
        await ConnectAsync(redis, clusterId, apiKey, patience, new ClusterTlsOptions(), cancellationToken);

    /// <summary>As above, over mutual TLS when <paramref name="tls"/> names a certificate.</summary>
    public static async Task<ClusterClient> ConnectAsync(string redis, string clusterId, string? apiKey, TimeSpan patience, ClusterTlsOptions tls, CancellationToken cancellationToken)
    {
        // Set when this client refuses a gateway's certificate, so a failed connection can say which side refused.
        var rejectedGateway = new StrongBox<string?>();
        var gatewayWait = new GatewayWait(patience, TimeProvider.System);
        var builder = Host.CreateApplicationBuilder();
        // As the silos log (LoggingBuilderExtensions in ProtSt.Grains): the command's own lines are the user's view,
        // the runtime speaks up only when something is wrong, and everything goes to stderr.
        builder.Logging.ClearProviders()
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Orleans", LogLevel.Error);

        // The host logs a failed start with its stack trace; the failure is reported below, once, in words.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.UseOrleansClient(client => client
            .UseRedisClustering(redis)
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId))
            .UseConnectionRetryFilter(gatewayWait)
            .AddProtStClient(apiKey)
            .UseClusterTlsIf(tls, rejectedGateway));
        var host = builder.Build();
        var shown = Redacted(redis);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            host.Dispose();
            throw new ClusterUnavailableException(
                $"the cluster's membership store (Redis at {shown}) does not answer: is Redis running there, and is --cluster right?", e);
        }
        catch (Exception e) when (e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException)
        {
            host.Dispose();
            var handshake = gatewayWait.Failures.Prepend(e)
                .Select(failure => ClientTls.HandshakeFailure(failure, tls, rejectedGateway.Value))
                .FirstOrDefault(reason => reason is not null);
            if (handshake is not null)
            {
                throw new ClusterUnavailableException($"no gateway of the cluster at {shown} accepted this client within {patience.TotalSeconds:0.#} s: {handshake}", e);
            }

            throw new ClusterUnavailableException(
                $"no silo of the cluster at {shown} (cluster id '{clusterId}') accepted a connection within {patience.TotalSeconds:0.#} s: " +
                $"start one with: protst silo --cluster {shown}", e);
        }

        return new ClusterClient(host, shown);
    }

    // A connection string may carry Redis's password; messages and the job summary must not.
    private static string Redacted(string redis)
    {
        try
        {
            return ConfigurationOptions.Parse(redis).ToString(includePassword: false);
        }
        catch (ArgumentException)
        {
            return redis;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: with every silo gone the client's orderly close has no one to talk to, and a command that reports a
        // lost cluster must still exit.
        using var stopping = new CancellationTokenSource(StopTimeout);
        var stop = _host.StopAsync(stopping.Token);
        if (await Task.WhenAny(stop, Task.Delay(StopTimeout * 2, CancellationToken.None)) == stop)
        {
            await stop;
            _host.Dispose();
        }
    }
}
