using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Online;

namespace ProtSt.Silo.Online;

/// <summary>
/// Bounds the online load a host takes on: requests answered at once (<see cref="ServingOptions.MaxConcurrentRequests"/>)
/// and their tokens (<see cref="ServingOptions.MaxTokensInFlight"/>). A request past either is refused with 429 at once
/// rather than queued, so a client backs off instead of the host holding unbounded work.
/// </summary>
public sealed class OnlineAdmission(IOptions<ServingOptions> options)
{
    private readonly Lock _lock = new();
    private int _requests;
    private long _tokens;

    /// <summary>Requests being answered now.</summary>
    public int Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests;
            }
        }
    }

    /// <summary>Admits a request of <paramref name="tokens"/> tokens until the lease is disposed, or throws a 429.</summary>
    public IDisposable Enter(long tokens)
    {
        var bounds = options.Value;
        lock (_lock)
        {
            if (_requests >= bounds.MaxConcurrentRequests)
            {
                throw new OnlineRequestException(StatusCodes.Status429TooManyRequests, $"Model is overloaded: {_requests} requests are being answered, at most {bounds.MaxConcurrentRequests} (Serving:MaxConcurrentRequests); retry later.", "too_many_requests");
            }

            // One request alone is always let through once its size passed the per-request bounds, however large the budget.
            if (_requests > 0 && _tokens + tokens > bounds.MaxTokensInFlight)
            {
                throw new OnlineRequestException(StatusCodes.Status429TooManyRequests, $"Model is overloaded: {_tokens} tokens are in flight and this request adds {tokens}, at most {bounds.MaxTokensInFlight} (Serving:MaxTokensInFlight); retry later.", "too_many_tokens");
            }

            _requests++;
            _tokens += tokens;
        }

        return new Lease(this, tokens);
    }

    private void Leave(long tokens)
    {
        lock (_lock)
        {
            _requests--;
            _tokens -= tokens;
        }
    }

    private sealed class Lease(OnlineAdmission admission, long tokens) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                admission.Leave(tokens);
            }
        }
    }
}
