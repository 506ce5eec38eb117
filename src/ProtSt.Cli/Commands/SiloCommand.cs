using System.CommandLine;
using ProtSt.Silo;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst silo</c>: run a node that joins the cluster and offers its devices until stopped.</summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var cluster = new Option<string?>("--cluster") { Description = "Redis connection string holding cluster membership (default: localhost clustering, a single node)." };
        var devices = new Option<int?>("--devices") { Description = "Devices this silo offers (default from configs)." };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port (default: a free port)." };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway port (default: a free port)." };
        var urls = new Option<string>("--urls") { Description = "URLs for the job view, /metrics, the API and the dashboard (default: a free loopback port).", DefaultValueFactory = _ => "http://127.0.0.1:0" };
        var command = new Command("silo", "Run a cluster node: an Orleans silo with its device grains, the job view at /, /metrics, /api/jobs, /dashboard and /healthz.")
        {
            cluster, devices, siloPort, gatewayPort, urls,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse.GetValue(CliOptions.Config) ?? []);
            var deviceOptions = configuration.Devices;
            deviceOptions.Count = parse.GetValue(devices) ?? deviceOptions.Count;
            var app = SiloHost.Build(new SiloHostOptions
            {
                Cluster = parse.GetValue(cluster),
                SiloPort = parse.GetValue(siloPort),
                GatewayPort = parse.GetValue(gatewayPort),
                Urls = parse.GetValue(urls)!,
                ClusterId = configuration.ClusterId,
                Devices = deviceOptions,
                Monitoring = configuration.Monitoring,
                Security = configuration.Security,
            });
            await app.StartAsync(ct);
            var addresses = SiloHost.Addresses(app);
            var address = addresses.Count > 0 ? addresses[0] : "(no address)";

            // Scripts and tests wait for this line.
            Console.WriteLine($"silo ready: {deviceOptions.Count} device(s), job view {address}/, metrics {address}/metrics, dashboard {address}/dashboard");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            // Graceful leave: the silo announces it is going and finishes what it can before stopping.
            await app.StopAsync(CancellationToken.None);
            return 0;
        }));
        return command;
    }
}
