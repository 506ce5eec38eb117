using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>A test on hosts made of Linux network namespaces (<see cref="NetworkHosts"/>); skipped, with the reason, where they cannot be made (not root, no iproute2).</summary>
public sealed class NetworkHostsFactAttribute : FactAttribute
{
    public NetworkHostsFactAttribute()
    {
        if (NetworkHosts.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
