using System.Security.Cryptography;
using System.Text;

namespace ProtSt.Grains.Security;

/// <summary>Compares presented API keys with the configured one without leaking, through timing, how much of it matched.</summary>
public static class ClusterKey
{
    /// <summary>The request-context entry carrying the key on grain calls.</summary>
    public const string ContextKey = "protst-api-key";

    public static bool Matches(string? presented, string expected)
    {
        if (presented is null)
        {
            return false;
        }

        // Hashing first makes both sides the same length, so neither the length nor the first differing byte shows.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
