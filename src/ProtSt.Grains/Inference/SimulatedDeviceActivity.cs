namespace ProtSt.Grains.Inference;

/// <summary>
/// What one simulated device did since the last reset: batches (and how many failed), tokens, the device time the
/// configuration asked for and the time it really spent (timer lateness is the difference), and the
/// <see cref="TimeProvider"/> timestamps of its first batch's start and last batch's end.
/// </summary>
public sealed record SimulatedDeviceActivity(
    string DeviceKey,
    long Batches,
    long FailedBatches,
    long RealTokens,
    long PaddedTokens,
    TimeSpan Scheduled,
    TimeSpan ScheduledOnFailedBatches,
    TimeSpan Busy,
    long FirstStart,
    long LastEnd);
