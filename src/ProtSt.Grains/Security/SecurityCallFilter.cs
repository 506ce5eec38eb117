using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProtSt.Grains.Security;

/// <summary>
/// Guards ProtSt's grains on a silo: with an API key configured, a call must carry it (clients stamp it with
/// <see cref="ClusterKeyStamp"/>); and every call's requests must pass <see cref="CallValidator"/>, before the grain runs.
/// </summary>
public sealed class SecurityCallFilter(IOptions<SecurityOptions> options, CallValidator validator, ILogger<SecurityCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        // Orleans' own grains (membership, the dashboard's) are left to Orleans; they take no work from clients.
        if (context.InterfaceMethod?.DeclaringType?.Assembly != typeof(IShardGrain).Assembly)
        {
            await context.Invoke();
            return;
        }

        try
        {
            if (options.Value.HasApiKey && !ClusterKey.Matches(RequestContext.Get(ClusterKey.ContextKey) as string, options.Value.ApiKey!))
            {
                throw new RequestRefusedException(
                    $"this cluster requires its API key on every call ({SecurityOptions.ApiKeyName}); configure the client with the same key ({SecurityOptions.ApiKeyEnvironmentName}).");
            }

            for (var i = 0; i < context.Request.GetArgumentCount(); i++)
            {
                validator.Validate(context.Request.GetArgument(i));
            }
        }
        catch (RequestRefusedException e)
        {
            logger.LogWarning("Refused {Interface}.{Method} from {Source}: {Reason}", context.InterfaceName, context.MethodName, context.SourceId, e.Message);
            throw;
        }

        await context.Invoke();
    }
}
