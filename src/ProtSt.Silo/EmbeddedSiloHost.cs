using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Security;
using ProtSt.Silo.Monitoring;

namespace ProtSt.Silo;

/// <summary>
/// The embedded default of <c>protst screen</c>: one in-process silo host with localhost clustering on free loopback
/// ports, serving the job view like any cluster node; nothing to install.
/// </summary>
public sealed class EmbeddedSiloHost : IClusterConnection
{
    private readonly WebApplication _app;
    private readonly FileLogSink _log;

    private EmbeddedSiloHost(WebApplication app, FileLogSink log) => (_app, _log) = (app, log);

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public string Description => "embedded in-process silo";

    /// <summary>Starts the host on loopback; <paramref name="security"/>'s model roots and size limits apply as on any silo.</summary>
    public static Task<EmbeddedSiloHost> StartAsync(DeviceOptions devices, MonitoringOptions monitoring, SecurityOptions security, CancellationToken cancellationToken) =>
        StartAsync(devices, monitoring, security, new ScreenOptions(), cancellationToken);

    /// <summary>Starts the host on loopback, coordinating jobs with <paramref name="screen"/>'s shard settings.</summary>
    public static async Task<EmbeddedSiloHost> StartAsync(DeviceOptions devices, MonitoringOptions monitoring, SecurityOptions security, ScreenOptions screen, CancellationToken cancellationToken)
    {
        // The silo's log goes to a file: the command's console carries its own lines, and names the file if the silo had something to say.
        var log = new FileLogSink(Path.Combine(Path.GetTempPath(), "protst", string.Create(CultureInfo.InvariantCulture, $"silo-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log")));
        try
        {
            var app = SiloHost.Build(new SiloHostOptions { Devices = devices, Monitoring = monitoring, Security = security, Screen = screen, LogFile = log });
            await app.StartAsync(cancellationToken);
            return new EmbeddedSiloHost(app, log);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Idle grains go first, while the grain storage is still there: a job's aggregator stores its last figures on
        // deactivation, and after the storage grains it would only log that it could not.
        try
        {
            await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            // The host stops regardless; the log says what was left.
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _log.Dispose();
        if (_log.Problems > 0)
        {
            Console.Error.WriteLine($"silo log: {_log.Path} ({_log.Problems} warnings or errors)");
        }
        else
        {
            File.Delete(_log.Path);
        }
    }
}
