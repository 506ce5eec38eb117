using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using ProtSt.Grains;
using ProtSt.Grains.Hosting;

namespace ProtSt.Silo;

/// <summary>Builds the silo host: one ASP.NET Core application carrying the silo, /dashboard, /healthz and /api/jobs/{id}.</summary>
public static class SiloHost
{
    public static WebApplication Build(SiloHostOptions options, string[]? args = null)
    {
        var builder = WebApplication.CreateBuilder(args ?? []);
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddProtStConsole();
        builder.UseOrleans(silo =>
        {
            var siloPort = options.SiloPort > 0 ? options.SiloPort : LoopbackPorts.Free();
            var gatewayPort = options.GatewayPort > 0 ? options.GatewayPort : LoopbackPorts.Free();
            if (options.Cluster is { Length: > 0 } redis)
            {
                silo.UseRedisClustering(redis)
                    .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ClusterId))
                    .ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort);
            }

            silo.AddProtSt(d => (d.Count, d.Inference) = (options.Devices.Count, options.Devices.Inference));
            silo.AddDashboard();
        });

        var app = builder.Build();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapGet("/healthz", () => Results.Ok("ok"));
        app.MapGet("/api/jobs/{id}", async (string id, IGrainFactory grains) => Results.Ok(await grains.GetGrain<IJobGrain>(id).GetSnapshotAsync()));
        return app;
    }
}
