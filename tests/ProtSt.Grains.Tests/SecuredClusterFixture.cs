using Orleans.TestingHost;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Security;
using ProtSt.Model.Demo;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Grains.Tests;

/// <summary>
/// One silo with an API key and one model root holding the demo model (and two symlinks: one to it, one out of the
/// root); a second copy of the demo model lies outside the root. The cluster's client presents the key.
/// </summary>
public sealed class SecuredClusterFixture : IAsyncLifetime
{
    public const string ApiKey = "secured-cluster-test-key-0123456789";

    private const string RootProperty = "ProtStTest:ModelRoot";

    private readonly TempDirectory _scratch = new();

    public TestCluster Cluster { get; private set; } = null!;

    public string Root => _scratch.Combine("root");

    /// <summary>The demo model inside the root.</summary>
    public string InsideModel { get; private set; } = null!;

    /// <summary>A valid demo model folder outside the root: only the confinement keeps silos from opening it.</summary>
    public string OutsideModel { get; private set; } = null!;

    /// <summary>A symlink inside the root to <see cref="OutsideModel"/>.</summary>
    public string EscapingLink => Path.Combine(Root, "escape");

    /// <summary>A symlink inside the root to <see cref="InsideModel"/>.</summary>
    public string InsideLink => Path.Combine(Root, "alias");

    /// <summary><see cref="OutsideModel"/> spelled from inside the root with '..'.</summary>
    public string DotDotPath => Root + "/../" + Path.GetRelativePath(_scratch.Path, OutsideModel);

    public async Task InitializeAsync()
    {
        InsideModel = DemoModel.Ensure(Path.Combine(Root, "cache"));
        OutsideModel = DemoModel.Ensure(_scratch.Combine("outside"));
        Directory.CreateSymbolicLink(EscapingLink, OutsideModel);
        Directory.CreateSymbolicLink(InsideLink, InsideModel);

        var builder = new TestClusterBuilder(1);

        // Real sockets: a test connects a second client of its own, which the cluster's in-memory transport would not reach.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties[RootProperty] = Root;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        _scratch.Dispose();
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddProtStClient(ApiKey);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        // The shipped size limits, so the tests check what a silo enforces by default.
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddProtSt(
            o => (o.Count, o.Inference) = (1, new InferenceOptions { IntraOpThreads = 1 }),
            new SecurityOptions { ApiKey = ApiKey, ModelRoots = [siloBuilder.Configuration[RootProperty]!] });
    }
}
