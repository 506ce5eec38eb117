namespace ProtSt.Grains.Inference;

/// <summary>
/// A silo's devices on their way out: once draining they take no new batch, and the silo's stop waits (bounded) for
/// the batches they are running, so those results are delivered instead of recomputed elsewhere.
/// </summary>
internal sealed class DeviceDrain
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private volatile bool _draining;

    /// <summary>Counts a batch in; false (and not counted) once the silo is leaving.</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _running);
        if (!_draining)
        {
            return true;
        }

        Exit();
        return false;
    }

    /// <summary>True once the silo is leaving: the device refuses the batches still waiting in its queue.</summary>
    public bool Draining => _draining;

    public void Exit()
    {
        if (Interlocked.Decrement(ref _running) == 0 && _draining)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>Refuses new batches from now on and waits for the running ones; false if they outlast <paramref name="timeout"/>.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _draining = true;
        if (Volatile.Read(ref _running) == 0)
        {
            return true;
        }

        try
        {
            await _idle.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The silo's stop ran out of time: it goes on stopping, and the batches still running are recomputed elsewhere.
            return false;
        }
    }
}
