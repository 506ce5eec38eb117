using System.Diagnostics;

namespace ProtSt.Cli.Tests;

/// <summary>Runs the built <c>protst</c> program as a separate process, as a user would.</summary>
public static class Protst
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunToEndAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "protst.dll"), .. args], environment, TimeSpan.FromMinutes(3));

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs a script or program under test to its end (or <paramref name="limit"/>), returning its exit code and output.</summary>
    public static Task<(int ExitCode, string Output, string Error)> ProgramAsync(string fileName, TimeSpan limit, params string[] args) =>
        RunToEndAsync(fileName, args, null, limit);

    /// <summary>Runs another program a test inspects state with (e.g. redis-cli) and returns its output; it must succeed.</summary>
    public static async Task<string> ToolAsync(string fileName, params string[] args)
    {
        var (exitCode, output, error) = await RunToEndAsync(fileName, args, null, TimeSpan.FromSeconds(30));
        return exitCode == 0 ? output : throw new InvalidOperationException($"{fileName} exited with {exitCode}: {error}");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(
        string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan limit)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
