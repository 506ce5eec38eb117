using ProtSt.Testing;

namespace ProtSt.Cli.Tests;

/// <summary>Runs the built <c>protst</c> program as a separate process, as a user would.</summary>
public static class Protst
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Processes.RunToEndAsync(environment, TimeSpan.FromMinutes(3), "dotnet", [Path.Combine(AppContext.BaseDirectory, "protst.dll"), .. args]);

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs a script or program under test to its end (or <paramref name="limit"/>), returning its exit code and output.</summary>
    public static Task<(int ExitCode, string Output, string Error)> ProgramAsync(string fileName, TimeSpan limit, params string[] args) =>
        Processes.RunToEndAsync(null, limit, fileName, args);

    /// <summary>Runs another program a test inspects state with (e.g. redis-cli) and returns its output; it must succeed.</summary>
    public static async Task<string> ToolAsync(string fileName, params string[] args)
    {
        var (exitCode, output, error) = await Processes.RunToEndAsync(null, TimeSpan.FromSeconds(30), fileName, args);
        return exitCode == 0 ? output : throw new InvalidOperationException($"{fileName} exited with {exitCode}: {error}");
    }
}
