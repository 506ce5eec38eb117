using System.Text.Json;
using System.Text.Json.Serialization;
using ProtSt.Model.Folders;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>job.json</c> in a screen's output folder: which model and task produced it, so later commands (search) can refuse
/// embeddings that came from another model.
/// </summary>
internal sealed record ScreenRecord(string JobId, string Model, string ModelManifestSha256, string Task, string Input, long Rows, IReadOnlyList<string>? ClassNames)
{
    public const string FileName = "job.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string ManifestHash(string modelDirectory) => FileHash.Sha256(Path.Combine(modelDirectory, ModelManifest.FileName));

    public void Write(string directory) => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));

    public static ScreenRecord? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ScreenRecord>(File.ReadAllBytes(path), Json) : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid job record: {e.Message}", e);
        }
    }
}
