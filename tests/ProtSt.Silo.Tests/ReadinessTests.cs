using System.Net;
using System.Net.Http.Json;

namespace ProtSt.Silo.Tests;

/// <summary>/healthz and /readyz on a started host. The preload path runs in its own process (ProtSt.Cli.Tests): a second host here would share the process-wide meters with this one.</summary>
[Collection(SharedSiloHost.Name)]
public sealed class ReadinessTests(SiloHostFixture fixture)
{
    [Fact]
    public async Task A_started_host_is_live_and_ready()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        using var ready = await fixture.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var answer = (await ready.Content.ReadFromJsonAsync<Readiness>(fixture.Json))!;
        Assert.True(answer.Ready);
        Assert.Null(answer.Reason);
    }
}
