using System.Globalization;

namespace ProtSt.Silo.Security;

/// <summary>
/// What the API key of a host listening beyond loopback must be: at least <see cref="MinimumLength"/> characters, no
/// whitespace, not a placeholder and not a few characters repeated. The key guards every job, result and model
/// folder of the cluster, so a guessable one is refused at start rather than served.
/// </summary>
public static class ApiKeyRule
{
    /// <summary>What <c>openssl rand -hex 16</c> gives; deploy/README.md suggests <c>-hex 32</c>.</summary>
    public const int MinimumLength = 32;

    // A random key of this length has far more; a key with fewer is a pattern someone typed.
    private const int MinimumDistinctCharacters = 8;

    // Words that mark a value copied from a template or a manual rather than generated.
    private static readonly string[] Placeholders = ["change-me", "changeme", "change_me", "replace-me", "replaceme", "replace_me", "placeholder", "example", "your-api-key", "your_api_key", "<", ">"];

    /// <summary>Why <paramref name="key"/> is refused, or null if it is acceptable; the message never repeats the key.</summary>
    public static string? Problem(string key)
    {
        if (key.Any(char.IsWhiteSpace) || key.Any(char.IsControl))
        {
            // Often a key read from a file with its line break: clients would send it without one.
            return "it contains whitespace or control characters (a line break copied from a file?)";
        }

        if (Placeholders.FirstOrDefault(p => key.Contains(p, StringComparison.OrdinalIgnoreCase)) is { } placeholder)
        {
            return $"it is a placeholder (it contains '{placeholder}')";
        }

        if (key.Length < MinimumLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it has {key.Length} characters, fewer than {MinimumLength}");
        }

        return key.Distinct().Count() < MinimumDistinctCharacters
            ? string.Create(CultureInfo.InvariantCulture, $"it repeats fewer than {MinimumDistinctCharacters} different characters")
            : null;
    }
}
