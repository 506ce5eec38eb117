using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Security;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Silo.Tests;

/// <summary>A silo host listening on 0.0.0.0 (a free port) with an API key and a model root; reached through 127.0.0.1.</summary>
public sealed class ExposedSiloHostFixture : IAsyncLifetime
{
    public const string ApiKey = "exposed-host-test-key-0123456789";

    private readonly TempDirectory _scratch = new();
    private WebApplication _app = null!;

    public Uri Address { get; private set; } = null!;

    /// <summary>The host's one data root: jobs read and write only under it.</summary>
    public string DataRoot => _scratch.Combine("data");

    /// <summary>The host's one model root.</summary>
    public string ModelRoot => _scratch.Path;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        _app = SiloHost.Build(new SiloHostOptions
        {
            Node = new SiloNodeOptions { Urls = "http://0.0.0.0:0" },
            Devices = new DeviceOptions { Count = 1, Inference = new InferenceOptions { IntraOpThreads = 1 } },
            Security = new SecurityOptions { ApiKey = ApiKey, ModelRoots = [_scratch.Path], DataRoots = [DataRoot] },
        });
        await _app.StartAsync();
        Address = new UriBuilder("http", "127.0.0.1", new Uri(SiloHost.Addresses(_app)[0]).Port).Uri;
    }

    /// <summary>A client of the host that neither follows redirects nor keeps cookies unless given a container.</summary>
    public HttpClient Client(System.Net.CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = cookies is not null, CookieContainer = cookies ?? new() })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(30),
        };

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _scratch.Dispose();
    }
}
