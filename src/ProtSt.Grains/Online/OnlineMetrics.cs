using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ProtSt.Grains.Online;

/// <summary>
/// The online endpoints' instruments on the <c>ProtSt</c> meter: requests by endpoint and status, their latency and the
/// time their sequences waited (batching window, device queue, hops), and the size of the device calls they shared.
/// </summary>
public sealed class OnlineMetrics
{
    /// <summary>The meter every ProtSt instrument is on (the host exports it by this name).</summary>
    public const string MeterName = "ProtSt";

    private const int MaxRecent = 65_536;

    // Seconds, from a fraction of a millisecond (an idle request of a small model) up to a request stuck for a minute.
    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly IReadOnlyList<int> SizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _queueTime;
    private readonly Histogram<int> _batchRequests;
    private readonly Histogram<int> _batchSequences;
    private readonly TimeProvider _time;
    private readonly Lock _recentLock = new();
    private readonly Queue<(long At, double Seconds)> _recent = new();

    public OnlineMetrics(IMeterFactory meters)
        : this(meters, TimeProvider.System)
    {
    }

    internal OnlineMetrics(IMeterFactory meters, TimeProvider time)
    {
        _time = time;
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("protst.online.requests", "{request}", "Online requests answered, by endpoint and HTTP status.");
        _latency = meter.CreateHistogram("protst.online.latency", "s", "Time from an online request's arrival to its answer, by endpoint.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _queueTime = meter.CreateHistogram("protst.online.queue_time", "s", "Time an online request's sequences spent not computing: the batching window, the devices' queues and the hops.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _batchRequests = meter.CreateHistogram("protst.online.batch_requests", "{request}", "Requests coalesced into one call to the devices (dynamic batching).", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = SizeBuckets });
        _batchSequences = meter.CreateHistogram("protst.online.batch_sequences", "{sequence}", "Sequences of one coalesced call to the devices.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = SizeBuckets });
    }

    /// <summary>Counts an answered request and, for those that reached the devices or were refused, its latency.</summary>
    public void Request(string endpoint, int status, TimeSpan latency)
    {
        var tags = new TagList { { "endpoint", endpoint }, { "status", status } };
        _requests.Add(1, tags);
        _latency.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint));
        lock (_recentLock)
        {
            // The latencies the histogram takes, kept a while for the job view's online panel (bounded, whatever the rate).
            _recent.Enqueue((_time.GetTimestamp(), latency.TotalSeconds));
            while (_recent.Count > MaxRecent)
            {
                _recent.Dequeue();
            }
        }
    }

    /// <summary>The requests answered within the last <paramref name="window"/> (at most the last 65,536): their rate and latency percentiles.</summary>
    public OnlineLatency Recent(TimeSpan window)
    {
        double[] latencies;
        lock (_recentLock)
        {
            while (_recent.Count > 0 && _time.GetElapsedTime(_recent.Peek().At) > window)
            {
                _recent.Dequeue();
            }

            latencies = [.. _recent.Select(r => r.Seconds)];
        }

        Array.Sort(latencies);
        return new OnlineLatency(latencies.Length, latencies.Length / window.TotalSeconds, Percentile(latencies, 0.5), Percentile(latencies, 0.99));
    }

    /// <summary>Records one coalesced call: how many requests and sequences it carried.</summary>
    public void Batch(int requests, int sequences)
    {
        _batchRequests.Record(requests);
        _batchSequences.Record(sequences);
    }

    // Nearest rank, as the benchmarks take it; null with no request.
    private static double? Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Records the time one request's sequences waited rather than computed.</summary>
    public void QueueTime(TimeSpan waited) => _queueTime.Record(Math.Max(0, waited.TotalSeconds));
}
