using System.Net;

namespace ProtSt.Silo.Security;

/// <summary>Tells whether a host's URLs reach beyond this machine's loopback interface.</summary>
public static class ListenScope
{
    /// <summary>
    /// True when any of the semicolon-separated <paramref name="urls"/> binds a wildcard (<c>0.0.0.0</c>, <c>[::]</c>,
    /// <c>*</c>, <c>+</c>), a non-loopback address, or a host name other than <c>localhost</c>.
    /// </summary>
    public static bool BeyondLoopback(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(url => !IsLoopback(url));

    private static bool IsLoopback(string url)
    {
        // Kestrel's wildcards are not valid URI hosts; anything unparsable is treated as exposed.
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        if (rest.StartsWith('*') || rest.StartsWith('+'))
        {
            return false;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
