using System.Net;
using System.Net.Sockets;
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
using ProtSt.Grains.Security;
using ProtSt.Silo.Api;
using ProtSt.Silo.Membership;
using ProtSt.Silo.Monitoring;
using ProtSt.Silo.Online;
using ProtSt.Silo.Security;

namespace ProtSt.Silo;

/// <summary>Builds the silo host: one ASP.NET Core application carrying the silo, the job view, /metrics, /api/jobs, the online endpoints (/v1/embeddings, /embed, /v1/zero-shot, /v1/models), /dashboard, /healthz and /readyz.</summary>
public static class SiloHost
{
    /// <summary>Orleans' own instruments, exported beside ours.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>
    /// Builds the host. One listening beyond loopback refuses to build without <c>Security:ApiKey</c> (a strong one:
    /// <see cref="ApiKeyRule"/>) and <c>Security:ModelRoots</c>, and then asks every HTTP request but the health probes for the key. A
    /// silo whose devices' accelerator cannot be used here (no CUDA build, driver, library or GPU) refuses to build, naming it,
    /// as does one with a results option that makes no sense (<see cref="Grains.Jobs.ScreenOptions.Validate"/>, <see cref="MonitoringOptions.Validate"/>).
    /// </summary>
    public static WebApplication Build(SiloHostOptions options, string[]? args = null)
    {
        options.Screen.Validate();
        options.Monitoring.Validate();
        options.Devices.EnsureAvailable();
        var exposed = ListenScope.BeyondLoopback(options.Node.Urls);
        if (exposed)
        {
            RequireExposable(options);
        }

        var builder = WebApplication.CreateBuilder(args ?? []);
        var node = options.Node;
        builder.WebHost.UseUrls(node.Urls);
        if (options.LogFile is { } logFile)
        {
            builder.Logging.AddProtStFile(logFile);
        }
        else
        {
            builder.Logging.AddProtStConsole();
        }
        builder.UseOrleans(silo =>
        {
            var siloPort = node.SiloPort > 0 ? node.SiloPort : LoopbackPorts.Free();
            var gatewayPort = node.GatewayPort > 0 ? node.GatewayPort : LoopbackPorts.Free();
            if (options.Cluster is { Length: > 0 } redis)
            {
                silo.UseRedisClustering(redis)
                    .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ClusterId));
                ConfigureEndpoints(silo, node, siloPort, gatewayPort);
                silo.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<MembershipRejoin>(services, node));
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<MembershipRejoin>());
            }
            else if (node.Kubernetes || node.AdvertisedAddress is { Length: > 0 })
            {
                // Localhost clustering keeps membership inside this process: other nodes could never join it.
                throw new ArgumentException("Silo:Kubernetes and Silo:AdvertisedAddress need a shared membership store: give --cluster <redis>.");
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort);
            }

            if (options.Tls.Enabled)
            {
                silo.UseClusterTls(options.Tls);
            }

            silo.AddProtSt(options.Devices, options.Security, options.Cluster is { Length: > 0 } ? options.Cluster : null);
            silo.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Screen));
            silo.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Serving));
            silo.AddDashboard();
        });

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Monitoring));
        builder.Services.AddSingleton<JobReader>();
        builder.Services.AddSingleton<JobOutputs.JobResultsCache>();
        builder.Services.AddSingleton<SiloReadiness>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = node.ShutdownTimeout);
        builder.Services.AddSingleton<ProtStMetrics>();
        builder.Services.AddSingleton<OnlineModels>();
        builder.Services.AddSingleton<OnlineAdmission>();
        builder.Services.AddSingleton<OnlineLoad>();
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
        if (exposed)
        {
            // First in the pipeline, so static files, the dashboard and every endpoint are behind it.
            app.UseMiddleware<ApiKeyGate>(options.Security.ApiKey!);
        }

        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapJobView();
        app.MapJobApi();
        app.MapOnlineApi();
        app.MapMethods("/healthz", [HttpMethods.Get, HttpMethods.Head], () => Results.Ok("ok"));
        app.MapGet("/readyz", async (SiloReadiness readiness, CancellationToken cancellationToken) =>
        {
            var answer = await readiness.CheckAsync(cancellationToken);
            return Results.Json(answer, statusCode: answer.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        // The metrics instruments must exist before the first scrape, not when something first asks for them.
        _ = app.Services.GetRequiredService<ProtStMetrics>();
        return app;
    }

    private static void ConfigureEndpoints(ISiloBuilder silo, SiloNodeOptions node, int siloPort, int gatewayPort)
    {
        var advertised = node.ParsedAdvertisedAddress();
        var listen = node.ParsedListenAddress();
        if (node.Kubernetes)
        {
            // Kubernetes hosting post-configures whatever is left unset: the advertised address from POD_IP, listening
            // on every interface, the silo name from POD_NAME; it also watches the pods of this cluster.
            silo.Configure<EndpointOptions>(o =>
            {
                (o.SiloPort, o.GatewayPort) = (siloPort, gatewayPort);
                if (advertised is not null)
                {
                    o.AdvertisedIPAddress = advertised;
                }

                if (listen is not null)
                {
                    (o.SiloListeningEndpoint, o.GatewayListeningEndpoint) = (new IPEndPoint(listen, siloPort), new IPEndPoint(listen, gatewayPort));
                }
            });
            silo.UseKubernetesHosting();
            return;
        }

        silo.ConfigureEndpoints(advertised ?? IPAddress.Loopback, siloPort, gatewayPort);
        if (listen is not null)
        {
            silo.Configure<EndpointOptions>(o =>
                (o.SiloListeningEndpoint, o.GatewayListeningEndpoint) = (new IPEndPoint(listen, siloPort), new IPEndPoint(listen, gatewayPort)));
        }
    }

    /// <summary>
    /// The addresses the host listens on, once started; a wildcard host is replaced by the silo's advertised address
    /// (what other nodes reach it at, e.g. the pod IP), or by this machine's name when that is loopback.
    /// </summary>
    public static IReadOnlyList<string> Addresses(IServer server, IPAddress? advertised = null) =>
        [.. (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => Browsable(a, advertised))];

    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        Addresses(app.Services.GetRequiredService<IServer>(), app.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.Address);

    private static void RequireExposable(SiloHostOptions options)
    {
        if (!options.Security.HasApiKey)
        {
            throw new InvalidOperationException(
                $"The host listens beyond loopback ({options.Node.Urls}), so the job view, /api/jobs, /metrics and /dashboard need an API key: " +
                $"set {SecurityOptions.ApiKeyName} (environment {SecurityOptions.ApiKeyEnvironmentName}), or listen on 127.0.0.1.");
        }

        if (ApiKeyRule.Problem(options.Security.ApiKey!) is { } weak)
        {
            throw new InvalidOperationException(
                $"The host listens beyond loopback ({options.Node.Urls}), and its {SecurityOptions.ApiKeyName} is refused: {weak}. " +
                $"Use a random key of at least {ApiKeyRule.MinimumLength} characters, e.g. from: openssl rand -hex 32.");
        }

        if (options.Security.ModelRoots.All(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException(
                $"The host listens beyond loopback ({options.Node.Urls}), so its silo may open model folders only from configured roots: " +
                $"set {SecurityOptions.ModelRootsName} (environment PROTST_Security__ModelRoots__0), or listen on 127.0.0.1.");
        }

        if (options.Security.DataRoots.All(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException(
                $"The host listens beyond loopback ({options.Node.Urls}), so its silo may read job inputs and write job outputs only under configured roots: " +
                $"set {SecurityOptions.DataRootsName} (environment PROTST_Security__DataRoots__0), or listen on 127.0.0.1.");
        }
    }

    private static string Browsable(string address, IPAddress? advertised)
    {
        var uri = new UriBuilder(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]")
        {
            uri.Host = advertised is null || IPAddress.IsLoopback(advertised) ? Dns.GetHostName()
                : advertised.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{advertised}]"
                : advertised.ToString();
        }

        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }
}
