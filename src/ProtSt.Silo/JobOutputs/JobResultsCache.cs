using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using ProtSt.Grains;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Pipeline;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// This silo's memory of the jobs whose results were asked for: each finished piece read once (rows column by column,
/// its map sketch, or for a job written before sketches its embeddings folded into the job's PCA), the latest map, for the most recently asked jobs only
/// (<see cref="MonitoringOptions.ResultsCachedJobs"/>). Everything here can be rebuilt from the output folder.
/// </summary>
public sealed class JobResultsCache(IOptions<MonitoringOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _jobs = new(StringComparer.Ordinal);

    /// <summary>The job's rows so far, reading only the pieces not read before.</summary>
    public async Task<JobRows> RowsAsync(JobOutput output, CancellationToken cancellationToken)
    {
        var entry = Enter(output.JobId);
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            return await RowsLockedAsync(entry, output, cancellationToken);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The job's embedding map with at most <paramref name="max"/> points; a running job's is recomputed at most once per <see cref="MonitoringOptions.MapRefreshInterval"/>.</summary>
    public async Task<JobMap> MapAsync(JobOutput output, int max, CancellationToken cancellationToken)
    {
        var entry = Enter(output.JobId);
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var rows = await RowsLockedAsync(entry, output, cancellationToken);
            var now = DateTimeOffset.UtcNow;

            // A running job's map is held for the interval, which bounds what projecting new parts costs; an empty one
            // costs nothing to redo and would hide the job's first parts for that long.
            if (entry.Map is { } cached && cached.Max == max
                && (ReferenceEquals(cached.Rows, rows) || (!output.Status.Final && cached.Map.Points.Count > 0 && now - cached.At < options.Value.MapRefreshInterval)))
            {
                return cached.Map;
            }

            // The parts' sketches, written as they finished, fix the axes without reading an embedding; a job with
            // a part that has none (written before sketches were) folds a sample of its embeddings instead.
            var axes = await SketchAxesAsync(entry, rows, cancellationToken) ?? await FoldedAxesAsync(entry, output, rows, cancellationToken);
            var map = await ProjectAsync(entry, rows, axes, max, cancellationToken);
            entry.Map = (rows, max, now, map);
            return map;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The projected features of the job's proteins, streamed in record order (for search).</summary>
    public static async IAsyncEnumerable<EmbeddingRow> FeaturesAsync(JobRows rows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var piece in rows.Pieces)
        {
            await foreach (var row in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(piece.Directory), withFeature: true, cancellationToken))
            {
                yield return row;
            }
        }
    }

    private static async Task<(double[] Mean, double[] First, double[] Second)?> SketchAxesAsync(Entry entry, JobRows rows, CancellationToken cancellationToken)
    {
        // Pieces read from the job-wide index of a finished parts job (its parts checked against it) take the sketch
        // written beside that index, one file instead of one a part; one of another row count is another job's.
        if (rows.Pieces is [{ Index: { } index }, _, ..] && rows.Pieces.All(p => p.Index == index))
        {
            var parts = Path.GetDirectoryName(rows.Pieces[0].Directory)!;
            if (!entry.Sketches.TryGetValue(parts, out var whole))
            {
                entry.Sketches[parts] = whole = await MapSketch.TryReadAsync(parts, cancellationToken);
            }

            if (whole is { Count: > 0 } && whole.Count == rows.Count)
            {
                return whole.Axes();
            }
        }

        var sketches = new List<MapSketch?>(rows.Pieces.Count);
        foreach (var piece in rows.Pieces)
        {
            if (!entry.Sketches.TryGetValue(piece.Directory, out var sketch))
            {
                // A part is published whole, its sketch in it: one it lacks now it never gets.
                entry.Sketches[piece.Directory] = sketch = await MapSketch.TryReadAsync(piece.Directory, cancellationToken);
            }

            sketches.Add(sketch);
        }

        foreach (var gone in entry.Sketches.Keys.Where(d => !rows.Pieces.Any(p => p.Directory == d || Path.GetDirectoryName(p.Directory) == d)).ToList())
        {
            entry.Sketches.Remove(gone);
        }

        return rows.Count > 0 && MapSketch.Combine(sketches) is { Count: > 0 } combined ? combined.Axes() : null;
    }

    private async Task<(double[] Mean, double[] First, double[] Second)?> FoldedAxesAsync(Entry entry, JobOutput output, JobRows rows, CancellationToken cancellationToken)
    {
        // The axes need a sample, not every row: every k-th row of each piece, k from the job's records, so a
        // job folds at most about MapPcaRows rows however large it is (all of them draw on the map).
        var sample = (int)Math.Max(1, Math.Ceiling(Math.Max(output.Status.Records, rows.Count) / (double)Math.Max(1, options.Value.MapPcaRows)));

        // Pieces are only ever added, except when a job's parts are assembled into one file: then start over.
        if (sample != entry.PcaSample || entry.Folded.Any(p => !rows.Pieces.Any(piece => piece.Directory == p)))
        {
            (entry.Pca, entry.Folded, entry.PcaSample) = (null, [], sample);
        }

        foreach (var piece in rows.Pieces.Where(p => !entry.Folded.Contains(p.Directory)))
        {
            var row = 0;
            await foreach (var embedding in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(piece.Directory), withFeature: false, cancellationToken))
            {
                if (row++ % sample == 0)
                {
                    (entry.Pca ??= new PcaAccumulator(embedding.Embedding.Length)).Add(embedding.Embedding);
                }
            }

            entry.Folded.Add(piece.Directory);
        }

        return entry.Pca?.Axes();
    }

    // Each piece's points are projected once and kept while the axes hold (they settle after a few thousand rows):
    // a running job's refresh then reads only its new parts. Axes that turned (or a new stride) project all again.
    private static async Task<JobMap> ProjectAsync(Entry entry, JobRows rows, (double[] Mean, double[] First, double[] Second)? next, int max, CancellationToken cancellationToken)
    {
        var stride = Math.Max(1, (int)Math.Ceiling(rows.Count / (double)max));
        if (next is not { } axes || rows.Count == 0)
        {
            return new JobMap([], rows.Count, stride);
        }

        if (entry.Axes is not { } held || stride != entry.ProjectedStride || Turned(held.First, axes.First) || Turned(held.Second, axes.Second))
        {
            entry.Axes = axes;
            entry.ProjectedStride = stride;
            entry.Projected.Clear();
        }

        var (mean, first, second) = entry.Axes.Value;
        var points = new List<MapPoint>(Math.Min(rows.Count, max));
        var offset = 0;
        foreach (var piece in rows.Pieces)
        {
            // With a stride, which rows of a piece are drawn depends on where it starts in the job.
            var key = (piece.Directory, offset % stride);
            if (!entry.Projected.TryGetValue(key, out var projected))
            {
                projected = [];
                var row = 0;
                await foreach (var embedding in EmbeddingsTable.ReadAsync(EmbeddingsTable.PathIn(piece.Directory), withFeature: false, cancellationToken))
                {
                    if (row >= piece.Count || (piece.HasIds && embedding.Id != piece.Ids[row]))
                    {
                        throw new InvalidDataException($"{EmbeddingsTable.PathIn(piece.Directory)}: row {row + 1} does not pair with {ResultsTable.FileName} beside it.");
                    }

                    if ((offset + row) % stride == 0)
                    {
                        var (x, y) = PcaAccumulator.Project(embedding.Embedding, mean, first, second);
                        var label = piece.Labels[row];
                        projected.Add(new MapPoint(embedding.Id, x, y, label < 0 ? null : rows.ClassNames[label], label < 0 ? null : piece.TopScore(row)));
                    }

                    row++;
                }

                if (row != piece.Count)
                {
                    throw new InvalidDataException($"{EmbeddingsTable.PathIn(piece.Directory)} has {row} rows where {ResultsTable.FileName} beside it has {piece.Count}.");
                }

                entry.Projected[key] = projected;
            }

            points.AddRange(projected);
            offset += piece.Count;
        }

        // Pieces no longer in the job (assembled into one file) take no memory.
        foreach (var gone in entry.Projected.Keys.Where(k => !rows.Pieces.Any(p => p.Directory == k.Directory)).ToList())
        {
            entry.Projected.Remove(gone);
        }

        return new JobMap(points, rows.Count, stride);
    }

    // An axis is held while it points within about 0.8 degrees of the new estimate (both are unit vectors).
    private static bool Turned(double[] held, double[] next)
    {
        var cosine = 0.0;
        for (var i = 0; i < held.Length; i++)
        {
            cosine += held[i] * next[i];
        }

        return held.Length != next.Length || Math.Abs(cosine) < 0.9999;
    }

    private static async Task<JobRows> RowsLockedAsync(Entry entry, JobOutput output, CancellationToken cancellationToken)
    {
        if (entry.Rows is { } known && known.Pieces.Select(p => p.Directory).SequenceEqual(output.Pieces, StringComparer.Ordinal))
        {
            return known;
        }

        // A finished job kept in parts has one index of them all, written as it completed: one file opened, not one a
        // part. A running job, or one whose parts that index no longer matches, reads each part's own, as listed.
        var directories = output.Pieces;
        if (output.Status.Phase == JobPhase.Completed && output.Status.Spec.Layout == OutputLayout.Parts && directories.Count > 0)
        {
            var partsDirectory = PartFolder.PartsDirectory(output.Status.Spec.Output);
            if (ResultsIndex.TryOpenParts(partsDirectory, directories) is { } jobIndex && ResultPiece.Of(jobIndex) is { } parts)
            {
                return entry.Rows = new JobRows(parts, output.Status.ClassNames);
            }

            directories = JobOutput.PartsIn(partsDirectory);
        }

        var pieces = new List<ResultPiece>(directories.Count);
        foreach (var directory in directories)
        {
            pieces.Add(entry.Rows?.Pieces.FirstOrDefault(p => p.Directory == directory) ?? await ResultPiece.ReadAsync(directory, cancellationToken));
        }

        return entry.Rows = new JobRows(pieces, output.Status.ClassNames);
    }

    private Entry Enter(string jobId)
    {
        var entry = _jobs.GetOrAdd(jobId, _ => new Entry());
        entry.LastUsed = System.Diagnostics.Stopwatch.GetTimestamp();
        var limit = Math.Max(1, options.Value.ResultsCachedJobs);
        while (_jobs.Count > limit && _jobs.Where(j => j.Key != jobId).MinBy(j => j.Value.LastUsed) is { Key: { } oldest })
        {
            _jobs.TryRemove(oldest, out _);
        }

        return entry;
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long LastUsed { get; set; }

        public JobRows? Rows { get; set; }

        public PcaAccumulator? Pca { get; set; }

        public Dictionary<string, MapSketch?> Sketches { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Folded { get; set; } = new(StringComparer.Ordinal);

        public int PcaSample { get; set; } = 1;

        public (double[] Mean, double[] First, double[] Second)? Axes { get; set; }

        public int ProjectedStride { get; set; }

        public Dictionary<(string Directory, int Phase), List<MapPoint>> Projected { get; } = [];

        public (JobRows Rows, int Max, DateTimeOffset At, JobMap Map)? Map { get; set; }
    }
}
