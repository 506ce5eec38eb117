using System.Diagnostics.CodeAnalysis;

namespace ProtSt.Grains.Inference;

/// <summary>
/// The queue of one device: start-time weighted fair queuing over the jobs with batches waiting. Each job has a
/// virtual time that a served batch advances by its cost (padded tokens) over the job's weight; the device serves the
/// waiting job with the smallest virtual time (ties in arrival order), FIFO within a job. A job that starts waiting
/// again starts at the device's current virtual time, so idle time banks no credit and a newcomer is served next.
/// Urgent items (text embedding, preloading) go before every batch, then online batches (callers waiting on an HTTP
/// request, FIFO), then the jobs' batches: a running batch is never interrupted, so an online batch waits at most for
/// the one on the device (which runs a job batch in slices while online work is about). Not thread-safe: one grain owns it.
/// </summary>
internal sealed class DeviceScheduler<T>(DeviceScheduling mode)
{
    private readonly Dictionary<string, Flow> _flows = new(StringComparer.Ordinal);
    private readonly Queue<T> _urgent = new();
    private readonly Queue<T> _online = new();
    private double _virtualTime;
    private long _arrivals;

    /// <summary>Items waiting, urgent and online ones included.</summary>
    public int Count { get; private set; }

    /// <summary>Queues one batch of <paramref name="job"/> costing <paramref name="cost"/> (padded tokens); weights below 1 count as 1.</summary>
    public void Enqueue(string job, int weight, long cost, T item)
    {
        if (!_flows.TryGetValue(job, out var flow))
        {
            flow = new Flow(_virtualTime);
            _flows[job] = flow;
        }
        else if (flow.Queue.Count == 0)
        {
            // Back after a pause: it keeps what it owes (its time ahead of the device's), never a credit.
            flow.VirtualTime = Math.Max(flow.VirtualTime, _virtualTime);
        }

        flow.Weight = Math.Max(1, weight);
        flow.Queue.Enqueue(new Entry(item, Math.Max(1, cost), _arrivals++));
        Count++;
    }

    /// <summary>Queues an item served before every batch (FIFO among urgent items).</summary>
    public void EnqueueUrgent(T item)
    {
        _urgent.Enqueue(item);
        Count++;
    }

    /// <summary>Queues an online batch: served after urgent items and before every job's batch (FIFO among online batches).</summary>
    public void EnqueueOnline(T item)
    {
        _online.Enqueue(item);
        Count++;
    }

    /// <summary>The next item to serve, if any.</summary>
    public bool TryDequeue([MaybeNullWhen(false)] out T item)
    {
        if (TryDequeueAhead(out item))
        {
            return true;
        }

        Flow? next = null;
        foreach (var flow in _flows.Values)
        {
            if (flow.Queue.Count > 0 && (next is null || Before(flow, next)))
            {
                next = flow;
            }
        }

        if (next is null)
        {
            item = default;
            return false;
        }

        var entry = next.Queue.Dequeue();
        Count--;
        _virtualTime = Math.Max(_virtualTime, next.VirtualTime);
        next.VirtualTime += (double)entry.Cost / next.Weight;
        Forget();
        item = entry.Item;
        return true;
    }

    /// <summary>The next urgent or online item, if any (what a device serves between the slices of a job batch).</summary>
    public bool TryDequeueAhead([MaybeNullWhen(false)] out T item)
    {
        if (_urgent.TryDequeue(out item) || _online.TryDequeue(out item))
        {
            Count--;
            return true;
        }

        return false;
    }

    /// <summary>Online batches waiting.</summary>
    public int OnlineCount => _online.Count;

    /// <summary>Takes every waiting item out (a device leaving refuses them), urgent ones first, then online ones.</summary>
    public List<T> TakeAll()
    {
        var all = new List<T>(_urgent);
        all.AddRange(_online);
        _urgent.Clear();
        _online.Clear();
        foreach (var entry in _flows.Values.SelectMany(f => f.Queue).OrderBy(e => e.Arrival))
        {
            all.Add(entry.Item);
        }

        _flows.Clear();
        Count = 0;
        return all;
    }

    private bool Before(Flow candidate, Flow best) =>
        mode == DeviceScheduling.Fifo
            ? candidate.Queue.Peek().Arrival < best.Queue.Peek().Arrival
            : candidate.VirtualTime < best.VirtualTime
              || (candidate.VirtualTime == best.VirtualTime && candidate.Queue.Peek().Arrival < best.Queue.Peek().Arrival);

    // A job with nothing waiting and nothing owed would restart at the device's time anyway: it need not be remembered,
    // so the table holds only the jobs using the device now.
    private void Forget()
    {
        foreach (var (job, flow) in _flows)
        {
            if (flow.Queue.Count == 0 && flow.VirtualTime <= _virtualTime)
            {
                _flows.Remove(job);
            }
        }
    }

    private sealed class Flow(double virtualTime)
    {
        public Queue<Entry> Queue { get; } = new();

        public double VirtualTime { get; set; } = virtualTime;

        public int Weight { get; set; } = 1;
    }

    private readonly record struct Entry(T Item, long Cost, long Arrival);
}
