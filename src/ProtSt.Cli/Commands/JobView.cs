using ProtSt.Grains;

namespace ProtSt.Cli.Commands;

/// <summary>Where <c>protst screen</c> tells the user to watch a job, and how the embedded silo keeps the view open.</summary>
internal static class JobView
{
    /// <summary>A person at a terminal can open the view after a short job; a script only wants the exit.</summary>
    public static bool InTerminal => !Console.IsInputRedirected && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>The job's page on one of the silo hosts that serve the view, or null when none does.</summary>
    public static async Task<string?> AddressAsync(IGrainFactory grains, string jobId)
    {
        var views = await grains.GetGrain<IJobRegistryGrain>(0).GetViewsAsync();
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
