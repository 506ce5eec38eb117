namespace ProtSt.Grains;

/// <summary>What one device has done since it activated, and the calls waiting on it now (<see cref="Waiting"/>, online ones <see cref="OnlineWaiting"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceStats(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] long Batches,
    [property: Id(2)] long Sequences,
    [property: Id(3)] long RealTokens,
    [property: Id(4)] long PaddedTokens,
    [property: Id(5)] TimeSpan Busy,
    [property: Id(6)] long Failures,
    [property: Id(7)] int Waiting = 0,
    [property: Id(8)] int OnlineWaiting = 0);
