using YamlDotNet.RepresentationModel;

namespace ProtSt.Cli.Tests.Deploy;

/// <summary>YAML documents as plain trees: mappings are dictionaries, sequences lists, scalars strings.</summary>
public static class Yaml
{
    public static IReadOnlyList<Dictionary<string, object?>> LoadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Select(d => Convert(d.RootNode)).OfType<Dictionary<string, object?>>()];
    }

    public static Dictionary<string, object?>? Map(this Dictionary<string, object?>? node, string key) =>
        node?.GetValueOrDefault(key) as Dictionary<string, object?>;

    public static IEnumerable<Dictionary<string, object?>> Maps(this Dictionary<string, object?>? node, string key) =>
        (node?.GetValueOrDefault(key) as List<object?>)?.OfType<Dictionary<string, object?>>() ?? [];

    public static IEnumerable<string> Strings(this Dictionary<string, object?>? node, string key) =>
        (node?.GetValueOrDefault(key) as List<object?>)?.OfType<string>() ?? [];

    public static string? Text(this Dictionary<string, object?>? node, string key) => node?.GetValueOrDefault(key) as string;

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => mapping.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => Convert(c.Value), StringComparer.Ordinal),
        YamlSequenceNode sequence => sequence.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };
}
