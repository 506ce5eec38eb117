using System.Diagnostics;

namespace ProtSt.Testing;

/// <summary>Long-running processes a test starts (servers, silos, a screen that keeps its view open) and waits on.</summary>
public static class Processes
{
    public static Process Start(string fileName, params string[] args) => Start(null, fileName, args);

    public static Process Start(IReadOnlyDictionary<string, string>? environment, string fileName, params string[] args)
    {
        var process = Launch(environment, fileName, args);
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a program to its end and returns its exit code and output; past <paramref name="limit"/> it is killed, with its children, and the run fails.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(
        IReadOnlyDictionary<string, string>? environment, TimeSpan limit, string fileName, params string[] args)
    {
        using var process = Launch(environment, fileName, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {limit}");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The <c>protst</c> program under test, as a long-running process.</summary>
    /// <summary>A redis-server on a loopback port that keeps nothing on disk, for a test's membership or grain storage.</summary>
    public static Process StartRedis(int port, params string[] extra) =>
        Start("redis-server", ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. extra]);

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

        // Its output ended; the exit itself may follow a moment later, and the code says why.
        var exited = process.WaitForExit(TimeSpan.FromSeconds(10));
        throw new InvalidOperationException($"Process {process.Id} {(exited ? $"exited (code {process.ExitCode})" : "closed its output")} before printing '{text}'.");
    }

    /// <summary>Kills every process that is still running, then waits, bounded, for them to go; one that will not die does not spare the others.</summary>
    public static async Task StopAsync(IEnumerable<Process> processes)
    {
        var all = processes.ToList();
        foreach (var process in all)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Task.WhenAll(all.Select(p => p.WaitForExitAsync(wait.Token)));
    }

    /// <summary>Sends a signal (e.g. KILL, TERM) to a process, as <c>kill -SIGNAL pid</c> would.</summary>
    public static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Start("kill", $"-{signal}", $"{process.Id}");
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await kill.WaitForExitAsync(wait.Token);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Id} failed with exit code {kill.ExitCode}.");
        }
    }

    /// <summary>Collects a process's standard error from now on, so a failing test can show what the process said.</summary>
    public static Func<string> CollectErrors(Process process)
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines.Enqueue(line);
            }
        };
        return () => string.Join('\n', lines);
    }

    private static Process Launch(IReadOnlyDictionary<string, string>? environment, string fileName, string[] args)
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
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{fileName} could not be started; is it installed? (.ci/run installs what the tests need, e.g. apt-get install redis-server)", e);
        }
    }
}
