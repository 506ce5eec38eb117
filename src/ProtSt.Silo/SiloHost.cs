using System.Net;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using ProtSt.Grains.Hosting;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo;

/// <summary>Builds the silo host: one ASP.NET Core application carrying the silo, the job view, /metrics, /api/jobs, /dashboard and /healthz.</summary>
public static class SiloHost
{
    /// <summary>Orleans' own instruments, exported beside ours.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

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

            silo.AddProtSt(options.Devices, options.Cluster);
            silo.AddDashboard();
        });

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Monitoring));
        builder.Services.AddSingleton<JobReader>();
        builder.Services.AddSingleton<ProtStMetrics>();
        builder.Services.AddHostedService<MetricsRefresher>();
        builder.Services.AddHostedService<ViewRegistrar>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ProtStMetrics.MeterName, OrleansMeterName)
            .AddPrometheusExporter());
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new SecondsJsonConverter());

            // Accuracy and the like are NaN until a labelled record is scored.
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });

        var app = builder.Build();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapJobView();
        app.MapGet("/healthz", () => Results.Ok("ok"));

        // The metrics instruments must exist before the first scrape, not when something first asks for them.
        _ = app.Services.GetRequiredService<ProtStMetrics>();
        return app;
    }

    /// <summary>The addresses the host listens on, once started; a wildcard host is replaced by this machine's name.</summary>
    public static IReadOnlyList<string> Addresses(IServer server) =>
        [.. (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(Browsable)];

    public static IReadOnlyList<string> Addresses(WebApplication app) => Addresses(app.Services.GetRequiredService<IServer>());

    private static string Browsable(string address)
    {
        var uri = new UriBuilder(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]")
        {
            uri.Host = Dns.GetHostName();
        }

        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }
}
