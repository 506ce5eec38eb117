namespace ProtSt.Grains.Hosting;

/// <summary>Time limits for grain calls that carry inference work.</summary>
public static class CallTimeouts
{
    /// <summary>Longer than any batch queue we expect; failures of silos surface sooner through membership.</summary>
    public static TimeSpan LongRunning { get; } = TimeSpan.FromMinutes(30);
}
