using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>Where <c>protst screen</c> tells the user to watch a job, and how the embedded silo keeps the view open.</summary>
internal static class JobView
{
    /// <summary>A person at a terminal can open the view after a short job; a script only wants the exit.</summary>
    public static bool InTerminal => !Console.IsInputRedirected && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>The job's page on one of the silo hosts that serve the view, or null when none does (or the registry does not answer in time).</summary>
    public static async Task<string?> AddressAsync(IGrainFactory grains, string jobId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> views;
        try
        {
            // The registry's silo may have just died: asked again until its grain is back, for one call's time.
            views = await ClusterCall.RetryAsync(() => grains.GetGrain<IJobRegistryGrain>(0).GetViewsAsync(), timeout, timeout, "finding the job view", cancellationToken);
        }
        catch (ClusterLostException)
        {
            // The view is a convenience; the job does not need it, and following it retries on its own.
            return null;
        }

        return views.Count > 0 ? $"{views[0]}/jobs/{Uri.EscapeDataString(jobId)}" : null;
    }

    public static async Task KeepOpenAsync(string address, CancellationToken cancellationToken)
    {
        // Scripts and tests wait for this line.
        Console.WriteLine($"job view stays open at {address}; press Ctrl+C to quit");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
