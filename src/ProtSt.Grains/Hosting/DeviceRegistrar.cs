using Microsoft.Extensions.Options;
using ProtSt.Grains.Devices;

namespace ProtSt.Grains.Hosting;

/// <summary>When the silo becomes active, announces its devices to the directory so shards can route to them.</summary>
internal sealed class DeviceRegistrar(IGrainFactory grains, ILocalSiloDetails silo, IOptions<DeviceOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceRegistrar), ServiceLifecycleStage.Active, RegisterAsync);

    private Task RegisterAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<IDeviceDirectoryGrain>(0).RegisterAsync(silo.SiloAddress.ToParsableString(), options.Value.Count);
}
