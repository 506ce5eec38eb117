namespace ProtSt.Grains.Security;

/// <summary>Puts the configured API key on outgoing grain calls (clients and silos alike) that do not already carry one.</summary>
public sealed class ClusterKeyStamp(string? apiKey) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (!string.IsNullOrWhiteSpace(apiKey) && RequestContext.Get(ClusterKey.ContextKey) is null)
        {
            // Set inside this async method, the value rides on this call's message and does not leak back to the caller.
            RequestContext.Set(ClusterKey.ContextKey, apiKey);
        }

        await context.Invoke();
    }
}
