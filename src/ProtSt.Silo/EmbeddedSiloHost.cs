using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo;

/// <summary>
/// The embedded default of <c>protst screen</c>: one in-process silo host with localhost clustering on free loopback
/// ports, serving the job view like any cluster node; nothing to install.
/// </summary>
public sealed class EmbeddedSiloHost : IClusterConnection
{
    private readonly WebApplication _app;

    private EmbeddedSiloHost(WebApplication app) => _app = app;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public string Description => "embedded in-process silo";

    /// <summary>Starts the host on loopback; <paramref name="security"/>'s model roots and size limits apply as on any silo.</summary>
    public static Task<EmbeddedSiloHost> StartAsync(DeviceOptions devices, MonitoringOptions monitoring, SecurityOptions security, CancellationToken cancellationToken) =>
        StartAsync(devices, monitoring, security, new ScreenOptions(), cancellationToken);

    /// <summary>Starts the host on loopback, coordinating jobs with <paramref name="screen"/>'s shard settings.</summary>
    public static async Task<EmbeddedSiloHost> StartAsync(DeviceOptions devices, MonitoringOptions monitoring, SecurityOptions security, ScreenOptions screen, CancellationToken cancellationToken)
    {
        var app = SiloHost.Build(new SiloHostOptions { Devices = devices, Monitoring = monitoring, Security = security, Screen = screen });
        await app.StartAsync(cancellationToken);
        return new EmbeddedSiloHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
