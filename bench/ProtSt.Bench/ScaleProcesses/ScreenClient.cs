using System.Diagnostics;

namespace ProtSt.Bench.ScaleProcesses;

/// <summary>
/// One <c>protst screen --cluster</c> client, which submits the job to the cluster-held coordinator and only watches it.
/// When it prints the job's id (the job is submitted) the CPU time of the watched processes is read, and again when it
/// exits; its own CPU is split into before the submission (runtime start-up, joining the cluster) and after.
/// </summary>
internal static class ScreenClient
{
    /// <summary>Runs the client to its end; its output goes to <paramref name="log"/>. Throws unless the job completed.</summary>
    public static async Task<ClientRun> RunAsync(
        string protst, string cluster, string input, string output, string layout, string log, IReadOnlyList<int> watched,
        TimeSpan limit, CancellationToken cancellationToken)
    {
        // PROTST is a command line, e.g. "dotnet /path/protst.dll", split into words as cluster.sh splits it.
        var words = protst.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(words[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in words[1..].Concat(["screen", "--cluster", cluster, "-i", input, "-o", output, "--output-layout", layout, "--keep-view", "false"]))
        {
            start.ArgumentList.Add(arg);
        }

        var childrenBefore = ProcStat.EndedChildrenCpuSeconds();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{words[0]} did not start.");
        var began = Stopwatch.GetTimestamp();
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await using var logFile = new StreamWriter(log);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        string? jobId = null;
        var submitted = began;
        var startupCpu = double.NaN;
        Dictionary<int, double> atSubmit = [];
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                await logFile.WriteLineAsync(line);
                if (jobId is null && line.StartsWith("job: ", StringComparison.Ordinal))
                {
                    jobId = line["job: ".Length..].Trim();
                    submitted = Stopwatch.GetTimestamp();
                    startupCpu = ProcStat.CpuSeconds(process.Id);
                    atSubmit = watched.ToDictionary(pid => pid, ProcStat.CpuSeconds);
                }
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"protst screen did not finish within {limit}; its output: {log}");
        }

        var exited = Stopwatch.GetTimestamp();
        var atExit = watched.ToDictionary(pid => pid, ProcStat.CpuSeconds);
        var totalCpu = ProcStat.EndedChildrenCpuSeconds() - childrenBefore;
        var stderr = await errors;
        await logFile.WriteAsync(stderr);
        if (process.ExitCode != 0 || jobId is null)
        {
            throw new InvalidOperationException($"protst screen exited with {process.ExitCode}{(jobId is null ? " before submitting a job" : $" (job {jobId})")}: {stderr.Trim()} (log: {log})");
        }

        return new ClientRun(
            jobId, Stopwatch.GetElapsedTime(began, exited).TotalSeconds, Stopwatch.GetElapsedTime(submitted, exited).TotalSeconds, startupCpu, totalCpu,
            watched.ToDictionary(pid => pid, pid => atExit[pid] - atSubmit[pid]));
    }
}
