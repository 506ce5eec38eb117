using ProtSt.Grains;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Pipeline;
using ProtSt.Silo.Api;

namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// Where a submitted job's rows are now, as its coordinator (durable) names the output folder: the assembled files of a
/// completed job, else the finished parts in shard order (a running job, or <c>--output-layout parts</c>). The files are
/// the truth: any silo reads them, before and after restarts.
/// </summary>
public sealed record JobOutput(string JobId, JobStatus Status, IReadOnlyList<string> Pieces)
{
    /// <summary>True for a job whose rows carry a predicted label and per-class scores.</summary>
    public bool HasLabels => Status.ClassNames is { Count: > 0 };

    /// <summary>True for a ProtST zero-shot job: its parts hold projected features its model's text tower can be searched against.</summary>
    public bool Searchable => Status.TaskName == JobTaskResolver.ZeroShot;

    /// <summary>The job's output, or null when no coordinator knows <paramref name="jobId"/>.</summary>
    public static async Task<JobOutput?> FindAsync(JobReader jobs, string jobId, CancellationToken cancellationToken)
    {
        if (await jobs.StatusAsync(jobId, cancellationToken) is not { } status)
        {
            return null;
        }

        return new JobOutput(jobId, status, PiecesOf(status));
    }

    /// <summary>The folders holding the job's results.tsv and embeddings.parquet, in record order.</summary>
    public static IReadOnlyList<string> PiecesOf(JobStatus status)
    {
        var output = status.Spec.Output;
        var parts = PartFolder.PartsDirectory(output);
        var assembled = status.Spec.Layout == OutputLayout.Assembled && File.Exists(ResultsTable.PathIn(output));
        if (assembled && (status.Phase == JobPhase.Completed || !Directory.Exists(parts)))
        {
            return [output];
        }

        // A finished job kept in parts: the parts its coordinator indexed as it completed, named, not listed (a silo asks
        // for them on every request, and listing stats two files a part); the index is checked against them when read.
        if (status.Phase == JobPhase.Completed && status.Spec.Layout == OutputLayout.Parts && File.Exists(ResultsIndex.PathIn(parts)))
        {
            return IndexedParts(parts, status.Shards);
        }

        return PartsIn(parts);
    }

    /// <summary>The parts of a finished job of <paramref name="shards"/> shards kept in parts, by name.</summary>
    public static IReadOnlyList<string> IndexedParts(string partsDirectory, int shards) => [.. Enumerable.Range(0, shards).Select(i => PartFolder.PathOf(partsDirectory, i))];

    /// <summary>The published parts in <paramref name="partsDirectory"/> (none when it does not exist), in shard order.</summary>
    public static IReadOnlyList<string> PartsIn(string partsDirectory)
    {
        if (!Directory.Exists(partsDirectory))
        {
            return [];
        }

        // A part is published by renaming a whole folder, its part.json written last: a folder without one is not a part.
        return [.. Directory.EnumerateDirectories(partsDirectory, "shard-*")
            .Where(p => File.Exists(Path.Combine(p, PartFolder.ResultFile)) && File.Exists(ResultsTable.PathIn(p)))
            .Order(StringComparer.Ordinal)];
    }
}
