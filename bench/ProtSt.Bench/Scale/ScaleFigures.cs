namespace ProtSt.Bench.Scale;

/// <summary>
/// One measured job: throughput, and where the devices' time went, in device-seconds (each device's share of the wall
/// time while its silo was up): useful real tokens, padding, per-batch overhead, batches that failed, lateness of the
/// simulation's timers, and idle time before a device's first batch, after its last, and between batches. The load
/// average is the machine's (1 minute, read at the job's end): the cores are shared with other work.
/// </summary>
internal sealed record ScaleFigures(
    int Silos,
    int Devices,
    int Records,
    long Rows,
    long FailedRows,
    double WallSeconds,
    long RealTokens,
    long PaddedTokens,
    double AvailableDeviceSeconds,
    double UsefulSeconds,
    double PaddingSeconds,
    double BatchOverheadSeconds,
    double FailedBatchSeconds,
    double LatenessSeconds,
    double IdleStartSeconds,
    double IdleEndSeconds,
    double IdleMidSeconds,
    long Batches,
    long FailedBatches,
    double WriterSeconds,
    long AggregatorCalls,
    double AggregatorSeconds,
    long DeviceCalls,
    double DeviceCallSeconds,
    long ShardCalls,
    double ShardSeconds,
    double CpuSeconds,
    double GcPauseSeconds,
    int Gen2Collections,
    double LoadAverage)
{
    /// <summary>Padded tokens per second if every device computed full time: devices over seconds per padded token.</summary>
    public double IdealPaddedTokensPerSecond(double secondsPerToken) => AvailableDeviceSeconds / WallSeconds / secondsPerToken;

    public double Share(double deviceSeconds) => deviceSeconds / AvailableDeviceSeconds;
}
