namespace ProtSt.Grains.Online;

/// <summary>Online requests answered over a recent window: how many, per second, and their latency's p50 and p99 in seconds (null with none).</summary>
public sealed record OnlineLatency(int Requests, double RequestsPerSecond, double? P50, double? P99);
