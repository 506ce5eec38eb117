using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Model.Inference;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests.Support;

/// <summary>Test clusters of their own (not the shared one) whose devices, 2 per silo, compute through a given backend.</summary>
public static class OwnCluster
{
    public static async Task<TestCluster> StartAsync<TBackend>(short silos)
        where TBackend : class, IDeviceBackendFactory
    {
        var builder = new TestClusterBuilder(silos);
        builder.AddSiloBuilderConfigurator<SiloConfigurator<TBackend>>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A <see cref="SimulatedCluster"/> of <paramref name="silos"/> silos, 2 devices each, with any further settings (e.g. <c>Screen</c>) given.</summary>
    public static async Task<TestCluster> StartSimulatedAsync(short silos, SimulatedDeviceOptions simulated, IReadOnlyDictionary<string, string?>? more = null) =>
        (await SimulatedCluster.StartAsync(silos, 2, simulated, more)).Cluster;

    /// <summary>
    /// A cluster whose silos compute through <typeparamref name="TBackend"/> and take their devices' settings as the CLI
    /// gives them: the <c>Devices</c> section, with the top-level <c>Inference</c> section as every device's sessions.
    /// </summary>
    public static async Task<TestCluster> StartConfiguredAsync<TBackend>(short silos, IReadOnlyDictionary<string, string?> settings)
        where TBackend : class, IDeviceBackendFactory
    {
        var builder = new TestClusterBuilder(silos);
        foreach (var (key, value) in settings)
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<ConfiguredSiloConfigurator<TBackend>>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Random protein sequences of <paramref name="count"/> records, none of the poison length.</summary>
    public static List<Pipeline.SequenceRecord> Proteome(int count, int seed, int maxLength = 300)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var length = random.Next(30, maxLength);
            length = length == FaultyBackendFactory.PoisonResidues ? length + 1 : length;
            return new Pipeline.SequenceRecord($"P{i:D5}", RandomProteins.Sequence(random, length), "synthetic", i + 1);
        }).ToList();
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddProtStClient();
    }

    private sealed class ConfiguredSiloConfigurator<TBackend> : ISiloConfigurator
        where TBackend : class, IDeviceBackendFactory
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var devices = new DeviceOptions();
            siloBuilder.Configuration.GetSection(DeviceOptions.SectionName).Bind(devices);
            devices.Inference = siloBuilder.Configuration.GetSection(InferenceOptions.SectionName).Get<InferenceOptions>() ?? new();
            siloBuilder.Services.AddSingleton<IDeviceBackendFactory, TBackend>();
            siloBuilder.AddProtSt(devices);
        }
    }

    private sealed class SiloConfigurator<TBackend> : ISiloConfigurator
        where TBackend : class, IDeviceBackendFactory
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<IDeviceBackendFactory, TBackend>();
            siloBuilder.AddProtSt(o => (o.Count, o.Inference) = (2, new InferenceOptions { IntraOpThreads = 1 }));
        }
    }
}
