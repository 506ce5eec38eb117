namespace ProtSt.Grains;

/// <summary>One device's share of a job; <see cref="BusyShare"/> is its busy time over the job's elapsed time, <see cref="Accelerator"/> what it ran on.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceFigures(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] long Batches,
    [property: Id(2)] long Sequences,
    [property: Id(3)] long RealTokens,
    [property: Id(4)] long PaddedTokens,
    [property: Id(5)] TimeSpan Busy,
    [property: Id(6)] double BusyShare = 0,
    [property: Id(7)] string Accelerator = "");
