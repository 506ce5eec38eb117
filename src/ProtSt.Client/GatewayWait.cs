using System.Collections.Concurrent;
using Orleans.Runtime.Messaging;

namespace ProtSt.Client;

/// <summary>
/// Lets a client retry connecting, once a second, while no gateway is listed or none accepts, for at most the given
/// time (Orleans' default retries for 180 s): silos may be starting beside the client, but a script should not wait
/// minutes to learn that none is.
/// </summary>
internal sealed class GatewayWait(TimeSpan patience, TimeProvider time) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    private readonly long _started = time.GetTimestamp();
    private readonly ConcurrentQueue<Exception> _failures = new();

    /// <summary>
    /// Every failed attempt, oldest first: on a loaded host the last attempt may end in a timeout while an earlier one
    /// shows why the gateways refused this client (a TLS handshake either side refused).
    /// </summary>
    public IReadOnlyCollection<Exception> Failures => _failures;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        _failures.Enqueue(exception);
        if (cancellationToken.IsCancellationRequested
            || exception is not (SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException)
            || time.GetElapsedTime(_started) + Pause > patience)
        {
            return false;
        }

        await Task.Delay(Pause, time, cancellationToken);
        return true;
    }
}
