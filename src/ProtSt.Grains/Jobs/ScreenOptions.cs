using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// How the silos cut a job into shards, batch it and keep its figures; bound from the <c>Screen</c> configuration
/// section, whose client timeouts are the client's own (<c>JobClientOptions</c> in ProtSt.Client).
/// </summary>
public sealed record ScreenOptions
{
    public const string SectionName = "Screen";

    /// <summary>Records per shard: large enough to batch well, small enough that a lost shard costs little to redo.</summary>
    public int ShardSize { get; init; } = 256;

    /// <summary>Shards in flight at once; bounds the client's memory whatever the input size. Raised on large clusters by <see cref="ShardsInFlightPerDevice"/>.</summary>
    public int MaxShardsInFlight { get; init; } = 8;

    /// <summary>
    /// Shards kept in flight per device in the cluster when that is more than <see cref="MaxShardsInFlight"/>: a fixed
    /// window of 8 shards left 10–30% of 32 simulated devices' time idle on a busy host (docs/benchmarks.md); 0 disables it.
    /// </summary>
    public double ShardsInFlightPerDevice { get; init; } = 0.5;

    /// <summary>
    /// Whether a shard writes its part's figures for the job view beside its files: results.idx (paged results) and
    /// map.sketch (the embedding map's axes). Off only to measure what they cost; the view then reads the files themselves.
    /// </summary>
    public bool ResultFigures { get; init; } = true;

    /// <summary>Columns k of the seeded Gaussian test matrix of a part's map.sketch: 4·D·k bytes a part (160 KB at D = 1280, k = 32); docs/monitoring.md states the map's accuracy.</summary>
    public int MapSketchRank { get; init; } = 32;

    public int MaxTokensPerBatch { get; init; } = BatchPlannerOptions.DefaultMaxTokensPerBatch;

    public int MaxBatchSize { get; init; } = 256;

    /// <summary>The share of a device batch that may be padding (<see cref="BatchPlannerOptions.MaxPaddingFraction"/>): online requests gather random lengths.</summary>
    public double MaxPaddingFraction { get; init; } = BatchPlannerOptions.DefaultMaxPaddingFraction;

    /// <summary>
    /// Floats a shard buffers per row group of its part's residues.parquet and contacts.parquet (<see cref="StateParquetWriter"/>):
    /// with a shard's writers and the shards in flight, what per-residue extraction holds besides the batches.
    /// </summary>
    public int StateRowGroupValues { get; init; } = StateParquetWriter.DefaultValuesPerRowGroup;

    /// <summary>Attempts at a whole shard when its grain's silo fails (backoff 0.5 s, 1 s, 2 s, ... up to 10 s).</summary>
    public int ShardAttempts { get; init; } = 6;

    /// <summary>
    /// Longest wait for a short call from the client (the aggregator, the device directory, a shard's location): a call
    /// to a grain on a silo that dies is answered by no one, so a late answer counts as a lost call.
    /// </summary>
    public TimeSpan ControlCallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a job's coordinator keeps retrying to record its state while the grain storage (Redis) does not answer,
    /// before the job fails: a store cut off for seconds must not fail a job that can go on once it is back.
    /// </summary>
    public TimeSpan StorageOutage { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How often the client checks that the silo of each shard in flight is still an active member.</summary>
    public TimeSpan SiloWatchInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for one device to embed a zero-shot job's label prompts before the next device is tried.</summary>
    public TimeSpan TextEmbeddingTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public bool FailOnInvalid { get; init; }

    /// <summary>
    /// Shortest time between writes of a running job's state: each write is the whole state (one entry per shard), and a
    /// finished part is its own record on disk, so writing after every shard would only cost storage traffic.
    /// </summary>
    public TimeSpan StateSaveInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often each silo sends each job it worked on its cumulative figures (one call per job per silo, whatever the
    /// number of batches); a shard also sends its silo's figures when it ends, so a finished job's figures are whole.
    /// </summary>
    public TimeSpan FiguresReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Shortest time between writes of a job's figures to grain storage while it runs (and at its end), so they outlive the aggregator's silo.</summary>
    public TimeSpan FiguresSaveInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a silo keeps a job's figures after its last batch there, so a silo's memory stays bounded over many jobs.</summary>
    public TimeSpan FiguresForgetAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often each silo's device list asks the directory whether the list changed (a version number; the list itself
    /// only when it did): a safety net under the refresh on membership changes, and how soon a draining silo's devices go.
    /// </summary>
    public TimeSpan DeviceListRefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws, in one line naming the option, when a setting makes no sense (checked when a silo host starts).</summary>
    public void Validate()
    {
        if (MapSketchRank < 1)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(MapSketchRank)} must be at least 1 (got {MapSketchRank}): it is the number of columns of each part's map sketch.");
        }

        if (StateRowGroupValues < 1)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(StateRowGroupValues)} must be at least 1 (got {StateRowGroupValues}): it is the number of floats in a row group of residues.parquet and contacts.parquet.");
        }

        BatchPlannerOptions.ValidateMaxPaddingFraction(MaxPaddingFraction, $"{SectionName}:{nameof(MaxPaddingFraction)}");
    }
}
