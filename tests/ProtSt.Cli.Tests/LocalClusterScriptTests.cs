using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ProtSt.Model.Tests.Support;
using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>deploy/local/cluster.sh: <c>up 2</c> gives a cluster a screen runs on, <c>up 1 --tls</c> one that only clients of its authority reach, <c>down</c> stops exactly what <c>up</c> started.</summary>
public sealed class LocalClusterScriptTests
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "deploy", "local", "cluster.sh");

    [Fact]
    public async Task Up_two_screens_a_proteome_and_down_stops_every_process_it_started()
    {
        using var scratch = new TempDirectory();
        var environment = ScriptEnvironment(scratch);
        try
        {
            var up = await RunScriptAsync(environment, TimeSpan.FromMinutes(4), "up", "2");
            Assert.True(up.ExitCode == 0, $"up failed:\n{up.Output}\n{up.Error}");
            var cluster = Regex.Match(up.Output, @"^cluster: (\S+)$", RegexOptions.Multiline).Groups[1].Value;
            var view = Regex.Match(up.Output, @"^view: (http://\S+)$", RegexOptions.Multiline).Groups[1].Value;
            Assert.Matches(@"^127\.0\.0\.1:\d+$", cluster);

            // Redis and two silos, each alive, each recorded by pid.
            var pids = Started(environment["PROTST_CLUSTER_DIR"]);
            Assert.Equal(3, pids.Count);
            Assert.All(pids, pid => Assert.True(Alive(pid), $"pid {pid} is not running"));
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            {
                Assert.True((await http.GetAsync(new Uri(view))).IsSuccessStatusCode);
            }

            var model = SharedModels.Golden("esm2-tiny");
            var random = new Random(17);
            var ids = Enumerable.Range(0, 120).Select(i => $"Q{i:D4}").ToList();

            // Every fifth record repeats an earlier sequence: the cluster computes it once and still writes its own row.
            var sequences = new List<string>();
            foreach (var i in Enumerable.Range(0, ids.Count))
            {
                sequences.Add(i % 5 == 4 ? sequences[i - 3]
                    : RandomProteins.Sequence(random, 20, 200));
            }

            var fasta = scratch.Write("in.fasta", string.Concat(ids.Select((id, i) => $">{id}\n{sequences[i]}\n")));
            var screen = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--keep-view", "false");
            Assert.True(screen.ExitCode == 0, screen.Error);
            var rows = (await File.ReadAllLinesAsync(scratch.Combine("out", "results.tsv"))).Skip(1).Select(line => line.Split('\t')[0]).ToList();
            Assert.Equal(ids.Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));

            var down = await RunScriptAsync(environment, TimeSpan.FromMinutes(2), "down");
            Assert.True(down.ExitCode == 0, $"down failed:\n{down.Output}\n{down.Error}");
            Assert.Empty(Started(environment["PROTST_CLUSTER_DIR"]));
            foreach (var pid in pids)
            {
                Assert.False(Alive(pid), $"pid {pid} still runs after down");
            }
        }
        finally
        {
            // Also after a failure: the processes are not this test's children, so nothing else would stop them.
            await RunScriptAsync(environment, TimeSpan.FromMinutes(2), "down");
        }
    }

    [Fact]
    public async Task Up_with_tls_serves_the_printed_config_and_refuses_a_client_without_a_certificate_of_its_authority_in_one_line()
    {
        using var scratch = new TempDirectory();
        var environment = ScriptEnvironment(scratch);
        try
        {
            var up = await RunScriptAsync(environment, TimeSpan.FromMinutes(4), "up", "1", "--tls");
            Assert.True(up.ExitCode == 0, $"up failed:\n{up.Output}\n{up.Error}");
            var cluster = Regex.Match(up.Output, @"^cluster: (\S+)$", RegexOptions.Multiline).Groups[1].Value;
            var config = Regex.Match(up.Output, @"^config: (\S+)$", RegexOptions.Multiline).Groups[1].Value;
            Assert.True(File.Exists(config), up.Output);

            var model = SharedModels.Golden("esm2-tiny");
            var fasta = scratch.Write("in.fasta", ">P1\nMKTAYIAKQRQISFVKSHFSRQ\n>P2\nMLSDEDFKAVFGMTRSAFANLPLWKQQNLKKEKGLF\n");
            var screen = await Protst.RunAsync("screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("out"), "--config", config, "--keep-view", "false");
            Assert.True(screen.ExitCode == 0, screen.Error);
            Assert.Contains("screened 2 records", screen.Output, StringComparison.Ordinal);

            // A client of another authority: its certificate is refused by the silos, and it refuses theirs.
            var tls = Path.GetDirectoryName(config)!;
            var (otherCertificate, otherKey, otherAuthority) = OtherAuthority(scratch);
            var strangerCertificate = scratch.Write("stranger.json", TlsConfig(otherCertificate, otherKey, Path.Combine(tls, "ca.pem")));
            var strangerAuthority = scratch.Write("stranger-ca.json", TlsConfig(Path.Combine(tls, "client.pem"), Path.Combine(tls, "client.key"), otherAuthority));
            var quick = new Dictionary<string, string> { ["PROTST_Screen__ConnectTimeout"] = "00:00:06" };
            foreach (var (extra, expected) in new (string[] Args, string Message)[]
            {
                ([], "they closed its connections unanswered, as TLS gateways do with a client without a certificate: give --config with a Tls section"),
                (["--config", strangerCertificate], "the TLS handshake failed: the gateways refused this client's certificate"),
                (["--config", strangerAuthority], "the gateways' certificate ('CN=protst silo', issued by 'CN=protst throwaway cluster CA') does not chain to Tls:CertificateAuthority"),
            })
            {
                var refused = await Protst.RunAsync(quick, ["screen", "--cluster", cluster, "-i", fasta, "-m", model, "-o", scratch.Combine("refused"), .. extra]);
                Assert.Equal(1, refused.ExitCode);
                var line = Assert.Single(refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    l => !l.StartsWith("warning:", StringComparison.Ordinal));
                Assert.StartsWith($"error: no gateway of the cluster at {cluster} accepted this client within 6 s: {expected}", line, StringComparison.Ordinal);
            }

            var down = await RunScriptAsync(environment, TimeSpan.FromMinutes(2), "down");
            Assert.True(down.ExitCode == 0, $"down failed:\n{down.Output}\n{down.Error}");
            Assert.False(Directory.Exists(tls), "the throwaway authority outlived its cluster");
        }
        finally
        {
            await RunScriptAsync(environment, TimeSpan.FromMinutes(2), "down");
        }
    }

    // The script runs the program under test and keeps its state in the test's scratch folder.
    private static Dictionary<string, string> ScriptEnvironment(TempDirectory scratch) => new()
    {
        ["PROTST"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "protst.dll")}",
        ["PROTST_CLUSTER_DIR"] = scratch.Combine("state"),
        ["PROTST_CLUSTER_TIMEOUT"] = "150",
    };

    private static string TlsConfig(string certificate, string key, string authority) =>
        System.Text.Json.JsonSerializer.Serialize(new { Tls = new { Certificate = certificate, PrivateKey = key, CertificateAuthority = authority } });

    // An authority the cluster does not know, and a client certificate it issued, as PEM files.
    private static (string Certificate, string Key, string Authority) OtherAuthority(TempDirectory scratch)
    {
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=stranger CA", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var authority = authorityRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=stranger", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientRequest.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        return (scratch.Write("stranger.pem", client.ExportCertificatePem()), scratch.Write("stranger.key", clientKey.ExportPkcs8PrivateKeyPem()),
            scratch.Write("stranger-ca.pem", authority.ExportCertificatePem()));
    }

    private static List<int> Started(string state) =>
        [.. Directory.EnumerateFiles(state, "*.pid").Select(file => int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture))];

    // A process that has exited but whose parent has not reaped it yet is a zombie: it no longer runs.
    private static bool Alive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static Task<(int ExitCode, string Output, string Error)> RunScriptAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args) =>
        Processes.RunToEndAsync(environment, timeout, "bash", [Script, .. args]);
}
