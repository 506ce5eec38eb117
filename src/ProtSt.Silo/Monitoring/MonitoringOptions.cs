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
}
