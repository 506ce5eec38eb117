using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Online;
using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Silo.Monitoring;
using ProtSt.Testing;

namespace ProtSt.Silo.Tests;

/// <summary>One silo host on 127.0.0.1 (a free port) with one CPU device serving the demo model, shared by the tests of the collection.</summary>
public sealed class SiloHostFixture : IAsyncLifetime
{
    /// <summary>The names <c>Serving:Models</c> gives the demo model and the zero-shot one.</summary>
    public const string ModelName = "demo";

    public const string ZeroShotModelName = "protst-tiny";

    private readonly TempDirectory _scratch = new();
    private WebApplication _app = null!;

    public string ModelDirectory { get; private set; } = null!;

    /// <summary>The ProtST golden (protst-tiny) converted to a zero-shot model folder, served online as <see cref="ZeroShotModelName"/>.</summary>
    public string ZeroShotModelDirectory { get; private set; } = null!;

    /// <summary>The online endpoints' bounds the host runs with (the defaults, some lowered so the tests can reach them cheaply).</summary>
    public ServingOptions Serving { get; } = new() { MaxSequencesPerRequest = 8, MaxResiduesPerSequence = 1_000, MaxBodyBytes = 64 * 1024, MaxConcurrentRequests = 4 };

    public IServiceProvider Services => _app.Services;

    public Uri Address { get; private set; } = null!;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public HttpClient Http { get; } = new();

    /// <summary>The API's JSON: camel case, durations as seconds.</summary>
    public JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new SecondsJsonConverter() } };

    public async Task InitializeAsync()
    {
        ModelDirectory = DemoModel.Ensure(_scratch.Combine("cache"));
        ZeroShotModelDirectory = _scratch.Combine("protst-tiny");
        ModelConverter.Convert(Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "protst-tiny"), ZeroShotModelDirectory);
        Serving.Models[ModelName] = ModelDirectory;
        Serving.Models[ZeroShotModelName] = ZeroShotModelDirectory;

        // One thread: other test assemblies run beside this one on a small machine.
        _app = SiloHost.Build(new SiloHostOptions { Devices = new DeviceOptions { Count = 1, Inference = new InferenceOptions { IntraOpThreads = 1 } }, Serving = Serving });
        await _app.StartAsync();
        Address = new Uri(SiloHost.Addresses(_app)[0]);
        Assert.Equal("127.0.0.1", Address.Host);
        Http.BaseAddress = Address;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _scratch.Dispose();
    }

    /// <summary>Runs a job through the host's silo submitted to its coordinator as <c>protst screen</c> submits it, returning the aggregator's final snapshot.</summary>
    public Task<JobSnapshot> RunJobAsync(string jobId, IAsyncEnumerable<SequenceRecord> records, ScreenOptions? options = null) =>
        new JobDriver(Grains, options ?? new ScreenOptions()).RunAsync(
            jobId, ModelDirectory, records, _ => ValueTask.CompletedTask, CancellationToken.None);

    public async Task<JobSnapshot?> GetJobAsync(string jobId) => await Http.GetFromJsonAsync<JobSnapshot>($"/api/jobs/{jobId}", Json);
}
