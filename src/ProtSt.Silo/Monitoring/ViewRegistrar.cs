using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProtSt.Grains;
using ProtSt.Grains.Hosting;

namespace ProtSt.Silo.Monitoring;

/// <summary>
/// Tells the job registry where this host serves the job view, once the web server is listening (its port may have
/// been picked at start), so that <c>protst screen</c> can print the address whichever way it reaches the cluster.
/// </summary>
internal sealed class ViewRegistrar(IServer server, IGrainFactory grains, ILocalSiloDetails silo, ILogger<ViewRegistrar> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private PeriodicAnnouncement? _announcement;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = SiloHost.Addresses(server, silo.SiloAddress.Endpoint.Address);
        if (addresses.Count == 0)
        {
            return Task.CompletedTask;
        }

        var url = addresses[0];
        _announcement = new PeriodicAnnouncement(() => grains.GetGrain<IJobRegistryGrain>(0).RegisterViewAsync(silo.SiloAddress.ToParsableString(), url), logger);
        return _announcement.StartAsync().WaitAsync(cancellationToken);
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _announcement?.DisposeAsync() ?? ValueTask.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
