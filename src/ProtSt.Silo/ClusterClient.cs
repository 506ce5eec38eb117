using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using ProtSt.Grains.Hosting;

namespace ProtSt.Silo;

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

    /// <summary>Connects through the gateways listed in <paramref name="redis"/>, presenting <paramref name="apiKey"/> (if any) on every call.</summary>
    public static async Task<ClusterClient> ConnectAsync(string redis, string clusterId, string? apiKey, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddProtStConsole();
        builder.UseOrleansClient(client => client
            .UseRedisClustering(redis)
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId))
            .AddProtStClient(apiKey));
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new ClusterClient(host, redis);
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
