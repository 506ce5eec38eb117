using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Jobs.Figures;
using ProtSt.Grains.Online;
using ProtSt.Grains.Placement;
using ProtSt.Grains.Security;

namespace ProtSt.Grains.Hosting;

/// <summary>Adds ProtSt's grains, device placement, device registration and the security checks on incoming calls to a silo.</summary>
public static class SiloBuilderExtensions
{
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Sets the silo's device options.</param>
    /// <param name="security">The cluster key, request size limits and model roots every ProtSt grain call is checked against.</param>
    /// <param name="redis">A Redis connection string for jobs' durable progress (clusters); null keeps it in memory.</param>
    public static ISiloBuilder AddProtSt(this ISiloBuilder builder, Action<DeviceOptions>? configure = null, SecurityOptions? security = null, string? redis = null)
    {
        builder.AddPlacementDirector<DevicePlacementStrategy, DevicePlacementDirector>();

        // A shard's call to a busy device can wait behind minutes of queued batches; a dead silo is detected by
        // membership, which fails its pending calls, so a short timeout would only cause duplicate work.
        builder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeouts.LongRunning);
        var options = builder.Services.AddOptions<DeviceOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Count 0 means one device per GPU (CUDA) or one (CPU); everything that counts devices reads the resolved number.
        options.PostConfigure(o => o.Count = o.ResolvedCount);

        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DeviceRegistrar>();
        builder.Services.AddSingleton<DevicePreload>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<DevicePreload>());
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<BatchRouter>();

        // Online requests on this silo share device batches through one batcher (the host gives its own Serving options;
        // a silo configured otherwise binds the section, whose job slicing its devices use).
        builder.Services.AddOptions<ServingOptions>().BindConfiguration(ServingOptions.SectionName);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<OnlineMetrics>();
        builder.Services.AddSingleton<OnlineBatcher>();
        builder.Services.AddSingleton<DeviceDrain>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, JobWaker>();
        builder.Services.AddOptions<ScreenOptions>().BindConfiguration(ScreenOptions.SectionName);

        // Shards add their batches to this silo's accumulator; the flusher sends each job one report per interval.
        builder.Services.AddSingleton<JobFiguresAccumulator>();
        builder.Services.AddSingleton<JobFiguresFlusher>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<JobFiguresFlusher>());

        // Shards and coordinators read the devices from this silo's copy of the directory, not the directory grain.
        builder.Services.AddSingleton<DeviceListCache>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(s => s.GetRequiredService<DeviceListCache>());

        // Sizes and model folders are checked, and the API key when one is set, before any ProtSt grain runs; the
        // silo stamps its own outgoing calls (shards to devices, the host's API to the registry) with the same key.
        if (security is not null)
        {
            builder.Services.AddSingleton(Options.Create(security));
        }
        else
        {
            builder.Services.AddOptions<SecurityOptions>();
        }

        builder.Services.AddSingleton<CallValidator>();
        builder.AddIncomingGrainCallFilter<SecurityCallFilter>();
        builder.Services.AddSingleton<IOutgoingGrainCallFilter>(services => new ClusterKeyStamp(services.GetRequiredService<IOptions<SecurityOptions>>().Value.ApiKey));

        // Devices:Backend picks the backend; tests may register their own (faulty, slow) before this call.
        builder.Services.TryAddSingleton<IDeviceBackendFactory>(services =>
            services.GetRequiredService<IOptions<DeviceOptions>>().Value.Backend switch
            {
                DeviceBackendKind.Simulated => new SimulatedDeviceBackendFactory(services.GetRequiredService<TimeProvider>()),
                _ => new OnnxDeviceBackendFactory(),
            });
        builder.Services.AddSingleton(TimeProvider.System);
        if (redis is null)
        {
            builder.AddMemoryGrainStorage(JobStorage.Name);
        }
        else
        {
            builder.AddRedisGrainStorage(JobStorage.Name, o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
        }

        return builder;
    }

    /// <summary>Adds ProtSt with every device setting taken from <paramref name="devices"/> (count, sessions, GPUs, preload, backend, simulation, drain time).</summary>
    /// <param name="builder">The silo.</param>
    /// <param name="devices">The silo's device options.</param>
    /// <param name="security">The cluster key, request size limits and model roots every ProtSt grain call is checked against.</param>
    /// <param name="redis">A Redis connection string for jobs' durable progress (clusters); null keeps it in memory.</param>
    public static ISiloBuilder AddProtSt(this ISiloBuilder builder, DeviceOptions devices, SecurityOptions? security = null, string? redis = null) =>
        builder.AddProtSt(
            o => (o.Count, o.Inference, o.GpuIds, o.PreloadModel, o.Backend, o.Simulated, o.DrainTimeout, o.Scheduling, o.ModelsPerDevice) =
                (devices.Count, devices.Inference, devices.GpuIds, devices.PreloadModel, devices.Backend, devices.Simulated, devices.DrainTimeout, devices.Scheduling, devices.ModelsPerDevice),
            security,
            redis);
}
