using System.Diagnostics;

namespace ProtSt.Cli.Tests;

/// <summary>Long-running processes a test starts (servers, silos, a screen that keeps its view open) and waits on.</summary>
public static class Processes
{
    public static Process Start(string fileName, params string[] args) => Start(null, fileName, args);

    public static Process Start(IReadOnlyDictionary<string, string>? environment, string fileName, params string[] args)
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

        try
        {
            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{fileName} could not be started; is it installed? (.ci/run installs what the tests need, e.g. apt-get install redis-server)", e);
        }
    }

    /// <summary>The <c>protst</c> program under test, as a long-running process.</summary>
    public static Process StartProtst(params string[] args) => StartProtst(null, args);

    public static Process StartProtst(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Start(environment, "dotnet", [Path.Combine(AppContext.BaseDirectory, "protst.dll"), .. args]);

    /// <summary>Reads standard output until a line contains <paramref name="text"/>, returns that line and every line before it, and keeps draining after.</summary>
    public static async Task<IReadOnlyList<string>> WaitForLineAsync(Process process, string text, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            lines.Add(line);
            if (line.Contains(text, StringComparison.Ordinal))
            {
                // Keep draining so the process never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                return lines;
            }
        }

        throw new InvalidOperationException($"Process {process.Id} exited (code {process.ExitCode}) before printing '{text}'.");
    }

    /// <summary>Kills each process that is still running and waits, bounded, for it to go.</summary>
    public static async Task StopAsync(IEnumerable<Process> processes)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(wait.Token);
        }
    }
}
