using System.Text.Json;
using System.Text.Json.Serialization;
using ProtSt.Model.Folders;
using ProtSt.Pipeline;

namespace ProtSt.Cli.Commands;

/// <summary>
/// <c>progress.json</c> in a screen's output folder: what the job is (input, model, task, all fingerprinted) and how far
/// its output files are durable, so <c>protst screen --resume</c> can continue it without recomputing written rows.
/// </summary>
/// <remarks>
/// <see cref="Records"/> counts input records (after the reader's own skips) whose outcome is in the files as they stand
/// at <see cref="Files"/>; <see cref="ShardSkipped"/> those of them the shards refused as invalid (reported, not written).
/// </remarks>
internal sealed record ScreenProgress(
    int FormatVersion,
    string JobId,
    string JobPrefix,
    string Input,
    string InputSha256,
    string Model,
    string ModelManifestSha256,
    JobTaskRequest Task,
    bool FailOnInvalid,
    long Records,
    long ShardSkipped,
    bool Complete,
    ScreenFilesCheckpoint Files)
{
    public const string FileName = "progress.json";
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Replaces the folder's progress atomically: a crash leaves the old record or the new one, never half of one.</summary>
    public void Write(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, this, Json);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static ScreenProgress? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var progress = JsonSerializer.Deserialize<ScreenProgress>(File.ReadAllBytes(path), Json)
                ?? throw new InvalidDataException($"{path} is empty.");
            return progress.FormatVersion == CurrentFormat
                ? progress
                : throw new InvalidDataException($"{path} has format {progress.FormatVersion}; this protst reads format {CurrentFormat}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid progress record: {e.Message}", e);
        }
    }

    /// <summary>Refuses to continue when the input or the model changed since the job started: its rows would not match.</summary>
    public void CheckUnchanged()
    {
        if (!File.Exists(Input))
        {
            throw new FileNotFoundException($"The job's input '{Input}' no longer exists; --resume needs the same file.", Input);
        }

        if (FileHash.Sha256(Input) != InputSha256)
        {
            throw new InvalidOperationException($"The job's input '{Input}' changed since the job started (its SHA-256 differs); --resume needs the same file.");
        }

        if (ScreenRecord.ManifestHash(Model) != ModelManifestSha256)
        {
            throw new InvalidOperationException($"The job's model folder '{Model}' changed since the job started (its manifest's SHA-256 differs); --resume needs the same model.");
        }
    }
}
