using Orleans.Configuration;

namespace ProtSt.Grains.Hosting;

/// <summary>Configures an Orleans client that submits ProtSt jobs.</summary>
public static class ClientBuilderExtensions
{
    public static IClientBuilder AddProtStClient(this IClientBuilder builder) =>
        builder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeouts.LongRunning);
}
