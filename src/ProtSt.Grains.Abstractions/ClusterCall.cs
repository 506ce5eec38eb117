using System.Diagnostics;

namespace ProtSt.Grains;

/// <summary>
/// A short call (a job's status or figures, a cancel, a submission under a fixed id) that meets a silo which just died:
/// the grain is re-placed on a live silo once membership declares the old one dead, so the call is tried again with
/// backoff until it answers, for at most <c>lostAfter</c> plus one call (which must outlast membership's declaration of the death), then reported in one line
/// (<see cref="ClusterLostException"/>). Clients and the silos' web hosts both read through here; only idempotent
/// calls do.
/// </summary>
public static class ClusterCall
{
    /// <summary>Runs <paramref name="call"/> until it answers, retrying connection failures and timeouts.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan callTimeout, TimeSpan lostAfter, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(callTimeout, cancellationToken);
            }
            catch (Exception e) when (Transient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (clock.Elapsed >= lostAfter)
                {
                    throw new ClusterLostException(
                        $"{what}: no live silo answered for {clock.Elapsed.TotalSeconds:F0} s ({e.GetType().Name}: {e.Message.Split('\n')[0]})", e);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 100 * (1 << Math.Min(attempt, 5)))), cancellationToken);
            }
        }
    }

    // A refusal, an unknown job or a bug is not helped by asking again; a lost connection or silence is.
    private static bool Transient(Exception e) => e is OrleansException or TimeoutException && e is not OrleansConfigurationException;
}
