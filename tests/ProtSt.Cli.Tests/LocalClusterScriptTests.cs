using System.Diagnostics;
using System.Text.RegularExpressions;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Cli.Tests;

/// <summary>deploy/local/cluster.sh: <c>up 2</c> gives a cluster a screen runs on, <c>down</c> stops exactly what <c>up</c> started.</summary>
public sealed class LocalClusterScriptTests
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "deploy", "local", "cluster.sh");

    [Fact]
    public async Task Up_two_screens_a_proteome_and_down_stops_every_process_it_started()
    {
        using var scratch = new TempDirectory();
        var environment = new Dictionary<string, string>
        {
            ["PROTST"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "protst.dll")}",
            ["PROTST_CLUSTER_DIR"] = scratch.Combine("state"),
            ["PROTST_CLUSTER_TIMEOUT"] = "150",
        };
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

            var model = scratch.Combine("model");
            Assert.Equal(0, (await Protst.RunAsync("model", "convert", Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "esm2-tiny"), "-o", model)).ExitCode);
            var random = new Random(17);
            var ids = Enumerable.Range(0, 120).Select(i => $"Q{i:D4}").ToList();

            // Every fifth record repeats an earlier sequence: the cluster computes it once and still writes its own row.
            var sequences = new List<string>();
            foreach (var i in Enumerable.Range(0, ids.Count))
            {
                sequences.Add(i % 5 == 4 ? sequences[i - 3]
                    : new string(Enumerable.Range(0, random.Next(20, 200)).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)]).ToArray()));
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

    private static async Task<(int ExitCode, string Output, string Error)> RunScriptAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cluster.sh {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await output, await error);
    }
}
