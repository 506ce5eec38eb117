using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;

namespace ProtSt.Testing;

/// <summary>
/// An in-process Orleans test cluster whose silos are configured as production silos are: <c>Devices:Backend</c> =
/// <c>Simulated</c> and the <c>Devices:Simulated</c> settings, passed as configuration and bound by each silo, with any
/// further settings (e.g. <c>Screen</c>) given; it keeps every silo's simulated-device factory, also of silos killed since.
/// The tests' simulated clusters and the scale benchmarks' are this one.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private const string TimeCallsKey = "Testing:TimeCalls";
    private readonly List<(string Silo, SimulatedDeviceBackendFactory Factory)> _factories;

    private SimulatedCluster(TestCluster cluster, List<(string, SimulatedDeviceBackendFactory)> factories) =>
        (Cluster, _factories) = (cluster, factories);

    public TestCluster Cluster { get; }

    /// <summary>
    /// Starts <paramref name="silos"/> silos of <paramref name="devicesPerSilo"/> simulated devices each, with
    /// <paramref name="settings"/> as further configuration; <paramref name="timeCalls"/> installs <see cref="CallTimings"/> in every silo.
    /// </summary>
    public static async Task<SimulatedCluster> StartAsync(
        int silos, int devicesPerSilo, SimulatedDeviceOptions simulated, IReadOnlyDictionary<string, string?>? settings = null, bool timeCalls = false)
    {
        var builder = new TestClusterBuilder(checked((short)silos));
        var properties = new Dictionary<string, string?>
        {
            ["Devices:Count"] = devicesPerSilo.ToString(CultureInfo.InvariantCulture),
            ["Devices:Backend"] = nameof(DeviceBackendKind.Simulated),
            ["Devices:Simulated:MicrosecondsPerPaddedToken"] = simulated.MicrosecondsPerPaddedToken.ToString(CultureInfo.InvariantCulture),
            ["Devices:Simulated:BatchOverheadMilliseconds"] = simulated.BatchOverheadMilliseconds.ToString(CultureInfo.InvariantCulture),
            ["Devices:Simulated:EmbeddingWidth"] = simulated.EmbeddingWidth.ToString(CultureInfo.InvariantCulture),
            ["Devices:Simulated:FailureRate"] = simulated.FailureRate.ToString(CultureInfo.InvariantCulture),
            ["Devices:Simulated:Seed"] = simulated.Seed.ToString(CultureInfo.InvariantCulture),
            [TimeCallsKey] = timeCalls ? "true" : "false",
        };
        foreach (var (key, value) in properties.Concat(settings ?? new Dictionary<string, string?>()))
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var factories = cluster.Silos
            .Select(s => (s.SiloAddress.ToParsableString(), (SimulatedDeviceBackendFactory)((InProcessSiloHandle)s).ServiceProvider.GetRequiredService<IDeviceBackendFactory>()))
            .ToList();
        return new SimulatedCluster(cluster, factories);
    }

    /// <summary>Every device's activity since the last reset, with the silo it belongs to.</summary>
    public IReadOnlyList<(string Silo, SimulatedDeviceActivity Activity)> Activity() =>
        [.. _factories.SelectMany(f => f.Factory.Activity().Select(a => (f.Silo, a)))];

    public void Reset() => _factories.ForEach(f => f.Factory.Reset());

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            // Bound from configuration as protst silo binds configs/protst.json, so Devices:Backend picks the factory.
            var devices = new DeviceOptions();
            siloBuilder.Configuration.GetSection(DeviceOptions.SectionName).Bind(devices);
            siloBuilder.AddProtSt(devices);
            if (siloBuilder.Configuration.GetValue<bool>(TimeCallsKey))
            {
                siloBuilder.AddIncomingGrainCallFilter<CallTimings>();
            }
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddProtStClient();
    }
}
