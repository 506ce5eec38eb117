using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Online;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo.Online;

/// <summary>
/// This host's online load, for the job view's panel (<c>GET /api/online</c>) and /metrics alike: the requests the
/// <see cref="OnlineMetrics"/> latency histogram took over <see cref="MonitoringOptions.OnlineLoadWindow"/> (rate,
/// p50, p99), the requests being answered (<c>protst.online.in_flight</c>) and those gathered for the devices' next
/// call (<c>protst.online.waiting</c>).
/// </summary>
public sealed class OnlineLoad
{
    private readonly OnlineMetrics _metrics;
    private readonly OnlineAdmission _admission;
    private readonly OnlineBatcher _batcher;
    private readonly TimeSpan _window;

    public OnlineLoad(IMeterFactory meters, OnlineMetrics metrics, OnlineAdmission admission, OnlineBatcher batcher, IOptions<MonitoringOptions> monitoring)
    {
        (_metrics, _admission, _batcher, _window) = (metrics, admission, batcher, monitoring.Value.OnlineLoadWindow);
        var meter = meters.Create(OnlineMetrics.MeterName);
        meter.CreateObservableGauge("protst.online.in_flight", () => admission.Requests, "{request}", "Online requests this host is answering now.");
        meter.CreateObservableGauge("protst.online.waiting", () => batcher.Waiting, "{request}", "Online requests gathered on this silo for the devices' next call.");
    }

    /// <summary>The figures now.</summary>
    public OnlineLoadSnapshot Read()
    {
        var recent = _metrics.Recent(_window);
        return new OnlineLoadSnapshot(_window, recent.Requests, recent.RequestsPerSecond, recent.P50, recent.P99, _admission.Requests, _batcher.Waiting);
    }
}
