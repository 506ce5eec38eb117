using System.Text.Json;
using System.Text.Json.Serialization;
using ProtSt.Model.Folders;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// <c>job.json</c> in a job's output folder, kept by its coordinator: the job's id and spec (so <c>protst attach</c>
/// and <c>--resume</c> find it from the folder), its state (running, completed, failed, cancelled), which model, model
/// manifest and input produced the rows (search refuses embeddings of another model), and the rows written.
/// </summary>
public sealed record JobFolderRecord(
    string JobId,
    string State,
    string Model,
    string ModelManifestSha256,
    string Task,
    string Input,
    string? InputSha256,
    long Rows,
    long Failures,
    IReadOnlyList<string>? ClassNames,
    string? Error,
    JobSpec? Spec,
    DateTimeOffset UpdatedAt)
{
    public const string FileName = "job.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string ManifestHash(string modelDirectory) => FileHash.Sha256(Path.Combine(modelDirectory, ModelManifest.FileName));

    /// <summary>Replaces the folder's record atomically (write, fsync, rename).</summary>
    public void Write(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, this, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static JobFolderRecord? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<JobFolderRecord>(File.ReadAllBytes(path), Json) : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid job record: {e.Message}", e);
        }
    }
}
