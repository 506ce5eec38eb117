using System.Text.Json;

namespace ProtSt.Grains.Jobs.Parts;

/// <summary>
/// Where a shard's part lives (<c>parts/shard-NNNNNN/</c>: results.tsv, embeddings.parquet, failures.tsv and
/// part.json) and how it gets there: written in a temporary folder beside the output's parts and renamed into place, so a
/// part is whole or absent. The first complete part wins; a later copy of the same shard (a retry whose first attempt
/// was only thought lost) is discarded. The coordinator creates <c>parts/</c> and the temporary root when it plans the job
/// and removes its work folders when the job ends; a part is never written once they are gone (see <see cref="JobFolderGoneException"/>).
/// </summary>
public static class PartFolder
{
    public const string PartsDirectoryName = "parts";
    public const string PlanDirectoryName = "plan";
    public const string ResultFile = "part.json";

    private const string TemporaryDirectoryName = ".parts-in-progress";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string PartsDirectory(string output) => Path.Combine(output, PartsDirectoryName);

    public static string PlanDirectory(string output) => Path.Combine(output, PlanDirectoryName);

    public static string TemporaryRoot(string output) => Path.Combine(output, TemporaryDirectoryName);

    public static string PathOf(string partsDirectory, int shard) => Path.Combine(partsDirectory, $"shard-{shard:D6}");

    /// <summary>Creates the folders parts are written in and published to; the coordinator calls it when it plans a job.</summary>
    public static void Prepare(string output)
    {
        Directory.CreateDirectory(PartsDirectory(output));
        Directory.CreateDirectory(TemporaryRoot(output));
    }

    /// <summary>A fresh folder to write a part in, under the job's temporary root, which must exist; <see cref="PublishAsync"/> moves it into place.</summary>
    public static string CreateTemporary(string partsDirectory, int shard)
    {
        var root = TemporaryRoot(Path.GetDirectoryName(Path.GetFullPath(partsDirectory))!);

        // Never recreated here: a silo that was cut off, or paused, while the job finished elsewhere would otherwise
        // leave a part in a folder the job has already cleaned.
        if (!Directory.Exists(root))
        {
            throw new JobFolderGoneException(root);
        }

        var path = Path.Combine(root, $"shard-{shard:D6}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Records the part's result inside it, then renames it into place; returns the result that stands (an earlier complete copy wins).</summary>
    public static async Task<PartResult> PublishAsync(string temporary, string partsDirectory, PartResult result, CancellationToken cancellationToken)
    {
        var resultPath = Path.Combine(temporary, ResultFile);
        await using (var stream = new FileStream(resultPath, FileMode.CreateNew, FileAccess.Write))
        {
            await JsonSerializer.SerializeAsync(stream, result, Json, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        var final = PathOf(partsDirectory, result.ShardIndex);
        if (TryRead(final) is { } existing && existing.JobId == result.JobId && existing.FirstRecord == result.FirstRecord)
        {
            Directory.Delete(temporary, recursive: true);
            return existing;
        }

        if (Directory.Exists(final))
        {
            // Another job's or a torn leftover (no part.json): this shard's part replaces it.
            Directory.Delete(final, recursive: true);
        }

        try
        {
            // rename(2) into parts/, which is not recreated: once the job has ended and removed it, the move fails and
            // the late part goes with its temporary folder (the fence against a silo declared dead while writing).
            Directory.Move(temporary, final);
        }
        catch (DirectoryNotFoundException)
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw new JobFolderGoneException(partsDirectory);
        }
        catch (IOException) when (TryRead(final) is { } raced && raced.JobId == result.JobId)
        {
            Directory.Delete(temporary, recursive: true);
            return raced;
        }

        return result;
    }

    /// <summary>The result of a complete part, or null when the part is absent or has no readable result.</summary>
    public static PartResult? TryRead(string partDirectory)
    {
        var path = Path.Combine(partDirectory, ResultFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<PartResult>(File.ReadAllBytes(path), Json) : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }
}
