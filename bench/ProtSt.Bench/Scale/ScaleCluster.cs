using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;

namespace ProtSt.Bench.Scale;

/// <summary>
/// An in-process Orleans test cluster whose silos are configured like production silos with
/// <c>Devices:Backend</c> = <c>Simulated</c>; it keeps every silo's simulated-device factory, also of silos killed since.
/// </summary>
internal sealed class ScaleCluster : IAsyncDisposable
{
    private readonly List<(string Silo, SimulatedDeviceBackendFactory Factory)> _factories;

    private ScaleCluster(TestCluster cluster, List<(string, SimulatedDeviceBackendFactory)> factories) =>
        (Cluster, _factories) = (cluster, factories);

    public TestCluster Cluster { get; }

    public static async Task<ScaleCluster> StartAsync(
        int silos, int devicesPerSilo, SimulatedDeviceOptions simulated, DeviceScheduling scheduling = DeviceScheduling.Fair, TimeSpan? figuresReportInterval = null)
    {
        var builder = new TestClusterBuilder(checked((short)silos));
        builder.Properties["Devices:Scheduling"] = scheduling.ToString();
        if (figuresReportInterval is { } interval)
        {
            builder.Properties["Screen:FiguresReportInterval"] = interval.ToString("c", CultureInfo.InvariantCulture);
        }

        builder.Properties["Devices:Count"] = devicesPerSilo.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Devices:Backend"] = nameof(DeviceBackendKind.Simulated);
        builder.Properties["Devices:Simulated:MicrosecondsPerPaddedToken"] = simulated.MicrosecondsPerPaddedToken.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Devices:Simulated:BatchOverheadMilliseconds"] = simulated.BatchOverheadMilliseconds.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Devices:Simulated:EmbeddingWidth"] = simulated.EmbeddingWidth.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Devices:Simulated:FailureRate"] = simulated.FailureRate.ToString(CultureInfo.InvariantCulture);
        builder.Properties["Devices:Simulated:Seed"] = simulated.Seed.ToString(CultureInfo.InvariantCulture);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        var factories = cluster.Silos
            .Select(s => (s.SiloAddress.ToParsableString(), (SimulatedDeviceBackendFactory)((InProcessSiloHandle)s).ServiceProvider.GetRequiredService<IDeviceBackendFactory>()))
            .ToList();
        return new ScaleCluster(cluster, factories);
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
            siloBuilder.AddIncomingGrainCallFilter<CallTimings>();
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddProtStClient();
    }
}
