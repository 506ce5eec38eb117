using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ProtSt.Bench.ScaleProcesses;

/// <summary>
/// A cluster of real processes on this machine through deploy/local/cluster.sh: Redis and N <c>protst silo</c>, each
/// ready-checked. Disposing runs <c>cluster.sh down</c>, which stops exactly the processes <c>up</c> started (by their
/// pid files), also after a failed or cancelled start.
/// </summary>
internal sealed partial class LocalCluster : IAsyncDisposable
{
    private readonly string _script;
    private readonly Dictionary<string, string> _environment;

    private LocalCluster(string script, string state, Dictionary<string, string> environment)
    {
        (_script, State, _environment) = (script, state, environment);
    }

    /// <summary>cluster.sh's state folder: pid files, silo and Redis logs.</summary>
    public string State { get; }

    /// <summary>The Redis connection string clients join through.</summary>
    public string Connection { get; private set; } = string.Empty;

    /// <summary>The job view (and JSON API) of the first silo host.</summary>
    public Uri View { get; private set; } = null!;

    /// <summary>The pids of the silos, as cluster.sh recorded them.</summary>
    public IReadOnlyList<int> SiloPids => [.. Directory.EnumerateFiles(State, "silo-*.pid").Order(StringComparer.Ordinal).Select(ReadPid)];

    /// <summary>The pid of the Redis server.</summary>
    public int RedisPid => ReadPid(Path.Combine(State, "redis.pid"));

    /// <summary>
    /// Starts Redis and <paramref name="silos"/> silos of <paramref name="devicesPerSilo"/> devices each, every silo
    /// with <paramref name="siloEnvironment"/> (its configuration). Whatever happens, dispose the result to stop them.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(
        string script, string protst, string state, int silos, int devicesPerSilo, IReadOnlyDictionary<string, string> siloEnvironment,
        TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(state);
        var environment = new Dictionary<string, string>(siloEnvironment)
        {
            ["PROTST"] = protst,
            ["PROTST_CLUSTER_DIR"] = state,
            ["PROTST_CLUSTER_DEVICES"] = devicesPerSilo.ToString(CultureInfo.InvariantCulture),
            ["PROTST_CLUSTER_TIMEOUT"] = ((int)readyTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
        var cluster = new LocalCluster(script, state, environment);

        // A folder left by an interrupted run still names its processes: stop them first (up refuses such a folder).
        await cluster.DisposeAsync();
        try
        {
            var (exitCode, output) = await cluster.RunScriptAsync(cancellationToken, "up", silos.ToString(CultureInfo.InvariantCulture));
            if (exitCode != 0)
            {
                // The script's last line says why (e.g. "silo 3 was not ready within 600 s"); the whole output follows.
                var reason = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
                throw new InvalidOperationException($"cluster.sh up {silos} exited with {exitCode}: {reason}\n{output.TrimEnd()}");
            }

            cluster.Connection = ClusterLine().Match(output).Groups[1].Value;
            cluster.View = new Uri(ViewLine().Match(output).Groups[1].Value);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync() => _ = await RunScriptAsync(CancellationToken.None, "down");

    private async Task<(int ExitCode, string Output)> RunScriptAsync(CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(_script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Only the script: the silos it started are in its pid files, and the caller's dispose stops them by pid.
            process.Kill(entireProcessTree: false);
            throw;
        }

        return (process.ExitCode, await output + await error);
    }

    private static int ReadPid(string file) => int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^cluster: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex ClusterLine();

    [GeneratedRegex(@"^view: (http://\S+)$", RegexOptions.Multiline)]
    private static partial Regex ViewLine();
}
