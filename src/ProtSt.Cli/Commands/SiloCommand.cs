using System.CommandLine;
using ProtSt.Silo;

namespace ProtSt.Cli.Commands;

/// <summary><c>protst silo</c>: run a node that joins the cluster and offers its devices until stopped.</summary>
internal static class SiloCommand
{
    // Beyond the silo's own shutdown timeout, for the web host and the process to wind down after it.
    private static readonly TimeSpan ExitMargin = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How the program handles SIGTERM and Ctrl+C: System.CommandLine ends the process 2 s after the signal by default,
    /// which would cut a silo's graceful leave short, so <c>protst silo</c> waits for Silo:ShutdownTimeout instead.
    /// </summary>
    public static InvocationConfiguration Invocation(ParseResult parse)
    {
        // Every command gets time to finish its stop (a screen records its progress and stops its embedded silo).
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) };
        if (parse.CommandResult.Command.Name == "silo")
        {
            try
            {
                invocation.ProcessTerminationTimeout = CliConfiguration.Load(parse).Silo.ShutdownTimeout + ExitMargin;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or FormatException)
            {
                // A bad configuration is reported by the command itself, with the usual message.
            }
        }

        return invocation;
    }

    public static Command Create()
    {
        var cluster = new Option<string?>("--cluster") { Description = "Redis connection string holding cluster membership (default: localhost clustering, a single node)." };
        var devices = CliOptions.Devices("Devices this silo offers (default from configs).");
        var siloPort = new Option<int?>("--silo-port") { Description = "Silo-to-silo port (default: Silo:SiloPort, else a free port)." };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = "Client gateway port (default: Silo:GatewayPort, else a free port)." };
        var urls = new Option<string?>("--urls") { Description = "URLs for the job view, /metrics, the API and the dashboard (default: Silo:Urls, else a free loopback port)." };
        var command = new Command("silo", "Run a cluster node: an Orleans silo with its device grains, the job view at /, /metrics, /api/jobs, /dashboard, /healthz and /readyz.")
        {
            cluster, devices, siloPort, gatewayPort, urls,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var configuration = CliConfiguration.Load(parse);
            var deviceOptions = configuration.Devices;
            deviceOptions.Count = parse.GetValue(devices) ?? deviceOptions.Count;
            var node = configuration.Silo;
            node.SiloPort = parse.GetValue(siloPort) ?? node.SiloPort;
            node.GatewayPort = parse.GetValue(gatewayPort) ?? node.GatewayPort;
            node.Urls = parse.GetValue(urls) ?? node.Urls;
            var app = SiloHost.Build(new SiloHostOptions
            {
                Cluster = parse.GetValue(cluster),
                Node = node,
                ClusterId = configuration.ClusterId,
                Devices = deviceOptions,
                Monitoring = configuration.Monitoring,
                Security = configuration.Security,
                Screen = configuration.Screen,
                Tls = configuration.Tls,
                Serving = configuration.Serving,
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

            // Graceful leave: the silo announces it is going and finishes what it can before stopping. Orleans retries
            // recording the leave for as long as its membership store does not answer (70 s, then a kill, exit 143),
            // so the stop is abandoned at Silo:ShutdownTimeout: the other silos declare this one dead by probing.
            using var deadline = new CancellationTokenSource(node.ShutdownTimeout);
            try
            {
                await app.StopAsync(deadline.Token).WaitAsync(node.ShutdownTimeout);
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine(
                    $"error: the silo did not finish leaving the cluster within Silo:ShutdownTimeout ({node.ShutdownTimeout.TotalSeconds:0.#} s; is its membership store reachable?); " +
                    "it stopped without recording its leave, and the other silos will declare it dead.");
                return 1;
            }

            return 0;
        }));
        return command;
    }
}
