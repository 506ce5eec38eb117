using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains.Devices;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Silo.Tests;

/// <summary>/healthz and /readyz: ready once the silo is active, its devices listed and answering, and a preloaded model open.</summary>
[Collection(SharedSiloHost.Name)]
public sealed class ReadinessTests(SiloHostFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

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

    [Fact]
    public async Task A_silo_that_has_not_joined_is_not_ready()
    {
        await using var app = SiloHost.Build(new SiloHostOptions { Devices = Devices(null) });
        var answer = await app.Services.GetRequiredService<SiloReadiness>().CheckAsync(CancellationToken.None);
        Assert.False(answer.Ready);
        Assert.Contains("not an active member", answer.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_preloaded_model_keeps_the_host_unready_until_every_device_has_opened_it()
    {
        using var scratch = new TempDirectory();
        var model = scratch.Combine("model");
        CopyDirectory(fixture.ModelDirectory, model);

        // Without its graph the folder cannot open: the preload fails, says why, and retries.
        var graph = Path.Combine(model, "model.onnx");
        File.Move(graph, graph + ".away");
        var app = SiloHost.Build(new SiloHostOptions { Devices = Devices(model) });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(SiloHost.Addresses(app)[0]) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
            var failing = await WaitForAsync(http, a => a.Reason?.Contains("failed", StringComparison.Ordinal) == true);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.Status);
            Assert.Contains(model, failing.Answer.Reason, StringComparison.Ordinal);
            Assert.Contains("model.onnx", failing.Answer.Reason, StringComparison.Ordinal);

            File.Move(graph + ".away", graph);
            var ready = await WaitForAsync(http, a => a.Ready);
            Assert.Equal(HttpStatusCode.OK, ready.Status);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static DeviceOptions Devices(string? preload) =>
        new() { Count = 2, Inference = new InferenceOptions { IntraOpThreads = 1 }, PreloadModel = preload };

    private async Task<(HttpStatusCode Status, Readiness Answer)> WaitForAsync(HttpClient http, Func<Readiness, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var seen = new List<string?>();
        while (true)
        {
            using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), timeout.Token);
            var answer = (await response.Content.ReadFromJsonAsync<Readiness>(fixture.Json, timeout.Token))!;
            if (condition(answer))
            {
                return (response.StatusCode, answer);
            }

            seen.Add(answer.Reason);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"/readyz did not reach the expected state within {Patience}; it said: {string.Join(" | ", seen.Distinct())}");
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
