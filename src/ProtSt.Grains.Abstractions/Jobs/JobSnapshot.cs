namespace ProtSt.Grains;

/// <summary>
/// A job's progress as the CLI, the job view and the metrics show it. <see cref="AggregatorCalls"/> counts the figure
/// reports the aggregator received for the job; <see cref="AggregatorSilo"/> is the silo its aggregator runs on now.
/// <see cref="State"/> is one of <see cref="JobStates"/>; <see cref="Error"/> says why a failed job failed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record JobSnapshot(
    [property: Id(0)] string JobId,
    [property: Id(1)] bool Completed,
    [property: Id(2)] long Rows,
    [property: Id(3)] long FailedRows,
    [property: Id(4)] long SequencesComputed,
    [property: Id(5)] long Residues,
    [property: Id(6)] long RealTokens,
    [property: Id(7)] long PaddedTokens,
    [property: Id(8)] TimeSpan Elapsed,
    [property: Id(9)] double SequencesPerSecond,
    [property: Id(10)] double ResiduesPerSecond,
    [property: Id(11)] double WindowSequencesPerSecond,
    [property: Id(12)] long? ExpectedRecords,
    [property: Id(13)] TimeSpan? Eta,
    [property: Id(14)] IReadOnlyList<DeviceFigures> Devices,
    [property: Id(15)] ClassificationFigures? Classification,
    [property: Id(16)] string? Input = null,
    [property: Id(17)] string? ModelDirectory = null,
    [property: Id(18)] DateTimeOffset? StartedAt = null,
    [property: Id(19)] long QueuedBatches = 0,
    [property: Id(20)] IReadOnlyList<ThroughputPoint>? Throughput = null,
    [property: Id(21)] IReadOnlyList<SiloPresence>? Silos = null,
    [property: Id(22)] long AggregatorCalls = 0,
    [property: Id(23)] string? AggregatorSilo = null,
    [property: Id(24)] string? State = null,
    [property: Id(25)] string? Error = null)
{
    /// <summary>Real tokens over padded tokens: the share of the devices' work that was not padding.</summary>
    public double PaddingEfficiency => PaddedTokens > 0 ? (double)RealTokens / PaddedTokens : 0;

    /// <summary>Rows over expected records, when the input size is known.</summary>
    public double? Progress => ExpectedRecords is > 0 and var expected ? Math.Min(1, (double)Rows / expected) : null;
}
