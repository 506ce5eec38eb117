using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProtSt.Grains.Hosting;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>
/// A <c>protst silo</c> on 0.0.0.0 with an API key, a model root and a data root, over Redis: <c>protst screen --cluster</c> with the
/// same configuration runs; without the key, with a model outside the model root or an output outside the data root, it is refused with the reason.
/// </summary>
public sealed class SecuredClusterProcessTests
{
    private const string Key = "secured-process-test-key-0123456789";

    [Fact]
    public async Task A_keyed_silo_serves_clients_with_the_key_and_refuses_the_rest()
    {
        using var scratch = new TempDirectory();
        var redisPort = LoopbackPorts.Free();
        using var redis = Processes.StartRedis(redisPort);
        var processes = new List<System.Diagnostics.Process> { redis };
        try
        {
            var goldens = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny");
            var model = scratch.Combine("models", "esm2-tiny");
            var outside = scratch.Combine("elsewhere", "esm2-tiny");
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", goldens, "-o", model)).ExitCode);
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", goldens, "-o", outside)).ExitCode);
            var keyed = scratch.Write("keyed.json", JsonSerializer.Serialize(new { Security = new { ApiKey = Key, ModelRoots = new[] { scratch.Combine("models") }, DataRoots = new[] { scratch.Combine("data") } } }));
            var cluster = $"127.0.0.1:{redisPort}";
            var silo = Processes.StartProtst("silo", "--cluster", cluster, "--devices", "1", "--urls", "http://0.0.0.0:0", "--config", keyed);
            processes.Add(silo);
            var ready = await Processes.WaitForLineAsync(silo, "silo ready", TimeSpan.FromSeconds(90));
            var port = new Uri(Regex.Match(ready[^1], @"job view (\S+)/,").Groups[1].Value).Port;

            Directory.CreateDirectory(scratch.Combine("data"));
            var fasta = scratch.Write(Path.Combine("data", "in.fasta"), ">P1\nMKTAYIAKQRQISFVKSHFSRQ\n>P2\nMLSDEDFKAVFGMTRSAFANLPLWKQQNLKKEKGLF\n");
            var screen = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("data", "out"), "--config", keyed);
            Assert.True(screen.ExitCode == 0, screen.Error);
            Assert.Contains("screened 2 records", screen.Output, StringComparison.Ordinal);

            var keyless = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("keyless"));
            Assert.Equal(1, keyless.ExitCode);
            Assert.Contains("error: this cluster requires its API key on every call (Security:ApiKey)", keyless.Error, StringComparison.Ordinal);

            var elsewhere = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", outside, "-o", scratch.Combine("data", "elsewhere-out"), "--config", keyed);
            Assert.Equal(1, elsewhere.ExitCode);
            Assert.Contains("is outside every folder of Security:ModelRoots", elsewhere.Error, StringComparison.Ordinal);

            // Input and output must lie under Security:DataRoots, '..' or not: refused before anything is created.
            var escaping = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("data", "..", "escaped"), "--config", keyed);
            Assert.Equal(1, escaping.ExitCode);
            Assert.Contains("error: the job's output '", escaping.Error, StringComparison.Ordinal);
            Assert.Contains("escaped' is outside every folder of Security:DataRoots", escaping.Error, StringComparison.Ordinal);
            Assert.False(Directory.Exists(scratch.Combine("escaped")));

            // A finished job's folder takes a new job only with --overwrite.
            var again = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("data", "out"), "--config", keyed);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("holds the results of the finished job", Assert.Single(again.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

            // The job's figures over HTTP: the key opens them, nothing else does.
            var jobId = Regex.Match(screen.Output, @"job view: \S+/jobs/(\S+)").Groups[1].Value;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri($"/api/jobs/{jobId}", UriKind.Relative))).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{jobId}") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) } };
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(2, job.RootElement.GetProperty("rows").GetInt64());
        }
        finally
        {
            await Processes.StopAsync(processes);
        }
    }
}
