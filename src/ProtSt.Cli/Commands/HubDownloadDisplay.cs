using System.Globalization;
using ProtSt.Model.Hub;
using Spectre.Console;

namespace ProtSt.Cli.Commands;

/// <summary>
/// Shows a hub download as it runs: a progress bar per file on an interactive console, otherwise one line per file
/// when it starts and ends, and one per retry, on stderr so stdout stays for the result.
/// </summary>
internal static class HubDownloadDisplay
{
    public static async Task<HubDownloadResult> RunAsync(string requested, Func<IProgress<HubDownloadProgress>, Task<HubDownloadResult>> download)
    {
        HubDownloadResult result;
        if (CommandErrors.Status.Profile.Capabilities.Interactive)
        {
            result = null!;
            await CommandErrors.Status.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    result = await download(new Inline(p =>
                    {
                        if (!tasks.TryGetValue(p.File, out var task))
                        {
                            task = tasks[p.File] = context.AddTask(Markup.Escape(p.File), maxValue: p.Total ?? double.MaxValue);
                        }

                        if (p.Total is { } total)
                        {
                            task.MaxValue = total;
                        }

                        task.Value = p.Received;
                        task.Description = Markup.Escape(p.Retry is { } reason ? $"{p.File} (retrying: {reason})" : p.File);
                    }));
                });
        }
        else
        {
            var started = new HashSet<string>(StringComparer.Ordinal);
            result = await download(new Inline(p =>
            {
                var size = p.Total is { } total ? string.Create(CultureInfo.InvariantCulture, $" of {total / 1e6:F1} MB") : string.Empty;
                if (p.Retry is { } reason)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.File}: {reason}; retrying from {p.Received / 1e6:F1} MB{size}"));
                }
                else if (started.Add(p.File) || p.Received == p.Total)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.File}: {p.Received / 1e6:F1} MB{size}"));
                }
            }));
        }

        if (result.Renamed(requested))
        {
            Console.Error.WriteLine($"note: the hub redirected '{requested}' to '{result.Repository}' (the repository was renamed); use the new name from now on.");
        }

        return result;
    }

    /// <summary>Reports on the downloading thread, in order (Progress&lt;T&gt; would post them to the pool, out of order).</summary>
    private sealed class Inline(Action<HubDownloadProgress> report) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value) => report(value);
    }
}
