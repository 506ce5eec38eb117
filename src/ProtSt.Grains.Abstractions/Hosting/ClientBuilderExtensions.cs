using Orleans.Configuration;
using ProtSt.Grains.Security;

namespace ProtSt.Grains.Hosting;

/// <summary>Configures an Orleans client that submits ProtSt jobs.</summary>
public static class ClientBuilderExtensions
{
    /// <summary>Long call timeouts for inference work and, when the cluster has one, its API key on every call.</summary>
    public static IClientBuilder AddProtStClient(this IClientBuilder builder, string? apiKey = null) =>
        builder
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeouts.LongRunning)
            .AddOutgoingGrainCallFilter(new ClusterKeyStamp(apiKey));
}
