using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Inference;
using ProtSt.Testing;

namespace ProtSt.Grains.Tests;

/// <summary>An in-process cluster of 3 silos with 2 CPU devices each, serving the demo model.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public string ModelDirectory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ModelDirectory = SharedModels.Demo();
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddProtStClient();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        // Six devices share two cores here, so each gets one thread rather than fighting over all of them.
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddProtSt(o => (o.Count, o.Inference) = (2, new InferenceOptions { IntraOpThreads = 1 }));
    }
}
