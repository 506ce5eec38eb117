using System.Buffers;
using System.Globalization;

namespace ProtSt.Silo.Security;

/// <summary>What a job id in a URL may be: letters, digits, '.', '_', ':' and '-', within the configured length (jobs are named so; anything else is refused before it reaches a grain).</summary>
public static class JobIdRule
{
    private static readonly SearchValues<char> Allowed = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");

    /// <summary>Why <paramref name="id"/> is refused, or null if it is acceptable.</summary>
    public static string? Problem(string id, int maxLength)
    {
        if (id.Length == 0 || id.Length > maxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"A job id has 1 to {maxLength} characters (Security:MaxIdLength); this one has {id.Length}.");
        }

        return id.AsSpan().ContainsAnyExcept(Allowed)
            ? "A job id has only letters, digits, '.', '_', ':' and '-'."
            : null;
    }
}
