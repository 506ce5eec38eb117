using System.Collections;
using System.Globalization;
using System.Reflection;

namespace ProtSt.Cli.Tests.Deploy;

/// <summary>
/// The configuration keys <c>protst</c> reads, found by walking the options classes that <see cref="CliConfiguration"/>
/// binds (Section:Property:Sub..., list items by index), so a manifest's <c>PROTST_</c> variable can be checked.
/// </summary>
public static class OptionKeys
{
    private static readonly Dictionary<string, Type> Sections = FindSections();

    private static readonly HashSet<string> TopLevelValues = new(
        typeof(CliConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(string)).Select(p => p.Name),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The sections bound by the program, by name.</summary>
    public static IReadOnlyCollection<string> SectionNames => Sections.Keys;

    /// <summary>Null when <paramref name="variable"/> (e.g. <c>PROTST_Silo__SiloPort</c>) names a value the program reads; otherwise why not.</summary>
    public static string? Check(string variable)
    {
        if (!variable.StartsWith(CliConfiguration.EnvironmentPrefix, StringComparison.Ordinal))
        {
            return $"{variable} does not start with {CliConfiguration.EnvironmentPrefix}";
        }

        return CheckKey(variable[CliConfiguration.EnvironmentPrefix.Length..].Split("__"));
    }

    /// <summary>Null when the configuration key path names a value the program reads; otherwise why not.</summary>
    public static string? CheckKey(IReadOnlyList<string> segments)
    {
        var key = string.Join(':', segments);
        if (segments.Count == 1 && TopLevelValues.Contains(segments[0]))
        {
            return null;
        }

        if (!Sections.TryGetValue(segments[0], out var type))
        {
            return $"{key}: no section '{segments[0]}' (known: {string.Join(", ", Sections.Keys.Order(StringComparer.Ordinal))}, {string.Join(", ", TopLevelValues)})";
        }

        foreach (var segment in segments.Skip(1))
        {
            if (IsValue(type))
            {
                return $"{key}: {type.Name} is a value and has no '{segment}'";
            }

            if (ElementOf(type) is { } element)
            {
                if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return $"{key}: '{segment}' is not a list index";
                }

                type = element;
                continue;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return $"{key}: {type.Name} has no settable property '{segment}'";
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return IsValue(type) ? null : $"{key} is a section ({type.Name}), not a value";
    }

    private static Dictionary<string, Type> FindSections()
    {
        var sections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in typeof(CliConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.PropertyType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is string name)
            {
                sections[name] = property.PropertyType;
            }
        }

        return sections;
    }

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(Uri);

    private static Type? ElementOf(Type type) =>
        type.IsArray ? type.GetElementType()
        : type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType ? type.GetGenericArguments()[0]
        : null;
}
