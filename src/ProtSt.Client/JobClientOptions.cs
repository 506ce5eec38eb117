namespace ProtSt.Client;

/// <summary>
/// What a job's client decides: how long it waits on the cluster, how often it looks at a job it follows, and the shard
/// settings it puts into the jobs it submits. Bound from the <c>Screen</c> configuration section, which the silos read too.
/// </summary>
public sealed record JobClientOptions
{
    public const string SectionName = "Screen";

    /// <summary>Records per shard: large enough to batch well, small enough that a lost shard costs little to redo.</summary>
    public int ShardSize { get; init; } = 256;

    /// <summary>Shards of a job in flight at once; the coordinator raises it on large clusters (<c>Screen:ShardsInFlightPerDevice</c>).</summary>
    public int MaxShardsInFlight { get; init; } = 8;

    /// <summary>Most sequences in one batch; the token budget of a batch is the devices' own, not the client's.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>
    /// Longest wait for a short call (a job's status, its figures, the job list): a call to a grain on a silo that dies
    /// is answered by no one, so a late answer counts as a lost call.
    /// </summary>
    public TimeSpan ControlCallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long <c>--cluster</c> clients wait for a silo of the cluster to accept their connection (silos may be
    /// starting beside the client) before saying that none is reachable.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often a client following a job (<c>attach</c>, or <c>screen</c> without <c>--detach</c>) asks for its status.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long no silo may answer a following client before it reports the cluster lost (one line, exit 1); the job
    /// itself is kept in the cluster's storage and continues when silos return.
    /// </summary>
    public TimeSpan ClusterLostAfter { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a short call (attach, jobs, cancel, a submission) keeps asking for a grain whose silo just died before
    /// one error line: such a call is met by silence until membership declares the silo dead (probes and votes, 20-40 s
    /// on a loaded host) and the grain wakes on a live silo, so this outlasts that with room to spare.
    /// </summary>
    public TimeSpan GrainMoveTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
