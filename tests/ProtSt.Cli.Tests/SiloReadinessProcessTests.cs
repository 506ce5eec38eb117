using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary><c>protst silo</c> with Devices:PreloadModel: /readyz stays 503, saying why, until every device has opened the model.</summary>
public sealed class SiloReadinessProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_preloaded_model_keeps_the_silo_unready_until_its_devices_have_opened_it()
    {
        using var scratch = new TempDirectory();
        var model = scratch.Combine("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.EnumerateFiles(SharedModels.Demo()))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        // Without its graph the folder cannot open: the preload fails, says why, and retries.
        var graph = Path.Combine(model, "model.onnx");
        File.Move(graph, graph + ".away");
        var config = scratch.Write("preload.json", JsonSerializer.Serialize(new { Devices = new { Count = 2, PreloadModel = model }, Inference = new { IntraOpThreads = 1 } }));
        using var silo = Processes.StartProtst("silo", "--config", config);
        try
        {
            var ready = await Processes.WaitForLineAsync(silo, "silo ready", Patience);
            using var http = new HttpClient { BaseAddress = new Uri(Regex.Match(ready[^1], @"job view (\S+)/,").Groups[1].Value), Timeout = TimeSpan.FromSeconds(30) };
            var failing = await ReadinessProbe.WaitForAsync(http, a => a.Reason?.Contains("failed", StringComparison.Ordinal) == true, Patience);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.Status);
            Assert.Contains(model, failing.Answer.Reason, StringComparison.Ordinal);
            Assert.Contains("model.onnx", failing.Answer.Reason, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);

            File.Move(graph + ".away", graph);
            var loaded = await ReadinessProbe.WaitForAsync(http, a => a.Ready, Patience);
            Assert.Equal(HttpStatusCode.OK, loaded.Status);
            Assert.Null(loaded.Answer.Reason);
        }
        finally
        {
            await Processes.StopAsync([silo]);
        }
    }
}
