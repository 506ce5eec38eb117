using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProtSt.Grains.Inference;

namespace ProtSt.Grains.Hosting;

/// <summary>The embedded default: one in-process silo with localhost clustering on free ports, nothing to install.</summary>
public sealed class EmbeddedCluster : IClusterConnection
{
    private readonly IHost _host;

    private EmbeddedCluster(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public string Description => "embedded in-process silo";

    public static async Task<EmbeddedCluster> StartAsync(DeviceOptions devices, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddProtStConsole();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: LoopbackPorts.Free(), gatewayPort: LoopbackPorts.Free())
            .AddProtSt(devices));
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new EmbeddedCluster(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
