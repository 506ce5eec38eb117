using System.Globalization;

namespace ProtSt.Silo.Monitoring;

/// <summary>How the job view and /metrics refresh; bound from the <c>Monitoring</c> configuration section.</summary>
public sealed record MonitoringOptions
{
    public const string SectionName = "Monitoring";

    /// <summary>How often a job page's event stream pushes a snapshot; the view promises at least one a second.</summary>
    public TimeSpan PushInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the figures behind /metrics are read from the cluster.</summary>
    public TimeSpan MetricsRefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a finished job's final figures stay in /metrics, so that at least one scrape sees them.</summary>
    public TimeSpan CompletedJobMetricsRetention { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The window the job view's online panel takes its request rate and latency percentiles over.</summary>
    public TimeSpan OnlineLoadWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a read of the job API, the view or /metrics keeps asking a grain whose silo just died (it answers again once
    /// membership declares that silo dead, 20-40 s on a loaded host, and the grain is placed on a live one) before
    /// answering 503 in one line.
    /// </summary>
    public TimeSpan ReadRetryFor { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Points of a job's embedding map when the request names no <c>max</c>; beyond it every k-th protein is drawn.</summary>
    public int MapPoints { get; init; } = 100_000;

    /// <summary>For a job whose parts have no map.sketch (written before them, or with Screen:ResultFigures off): rows whose embeddings the map's PCA axes are estimated from, about (every k-th row of each part beyond it); every row is still drawn.</summary>
    public int MapPcaRows { get; init; } = 20_000;

    /// <summary>How often a running job's embedding map is recomputed at most, however often it is asked for (finished parts are folded in then).</summary>
    public TimeSpan MapRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows of one page of <c>/api/jobs/{id}/results</c> at most.</summary>
    public int MaxResultsPage { get; init; } = 1_000;

    /// <summary>Jobs whose results (rows, embedding map) a silo keeps in memory; the least recently asked for is dropped first.</summary>
    public int ResultsCachedJobs { get; init; } = 8;

    /// <summary>Throws, in one line naming the option, when a setting of the job's results (pages, map) makes no sense.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(MapPoints), MapPoints), (nameof(MapPcaRows), MapPcaRows), (nameof(MaxResultsPage), MaxResultsPage), (nameof(ResultsCachedJobs), ResultsCachedJobs) })
        {
            if (value < 1)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{name} must be at least 1 (got {value})."));
            }
        }

        if (MapRefreshInterval < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(MapRefreshInterval)} must not be negative (got {MapRefreshInterval}).");
        }

        if (OnlineLoadWindow <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(OnlineLoadWindow)} must be positive (got {OnlineLoadWindow}): the online panel's rate and percentiles are taken over it.");
        }
    }
}
