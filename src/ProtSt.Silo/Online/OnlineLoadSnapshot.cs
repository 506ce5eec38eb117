namespace ProtSt.Silo.Online;

/// <summary>
/// The online load the job view shows beside the jobs: requests answered over the last <paramref name="Window"/>, per
/// second, their latency's p50 and p99 in seconds (null with none), and the requests in flight and waiting now.
/// </summary>
public sealed record OnlineLoadSnapshot(TimeSpan Window, int Requests, double RequestsPerSecond, double? LatencyP50, double? LatencyP99, int InFlight, int Waiting);
