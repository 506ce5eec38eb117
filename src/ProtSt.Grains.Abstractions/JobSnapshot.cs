namespace ProtSt.Grains;

/// <summary>A job's progress as the CLI and the dashboards show it.</summary>
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
    [property: Id(15)] ClassificationFigures? Classification);
