using System.Text.Json;

namespace ProtSt.Model.Configuration;

/// <summary>Typed access to a Hugging Face config.json object with errors that name the file and field.</summary>
internal readonly struct ConfigReader(JsonElement json, string source)
{
    public int Int(string name, int? fallback = null)
    {
        if (json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result)
                ? result
                : throw new ModelConfigException($"{source}: '{name}' must be an integer, found {value.GetRawText()}.");
        }

        return fallback ?? throw new ModelConfigException($"{source}: required field '{name}' is missing.");
    }

    public double Double(string name, double fallback) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : fallback;

    public bool Bool(string name, bool fallback) =>
        json.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;

    public string String(string name, string fallback) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : fallback;

    public IReadOnlyList<string>? StringList(string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray()
            : null;
}
