using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Outputs;

namespace ProtSt.Grains.Online;

/// <summary>
/// Dynamic (continuous) batching for online requests, one per silo. A request for a model whose online calls in flight
/// are fewer than the devices goes to the <see cref="BatchRouter"/> at once (after <see cref="ServingOptions.BatchWindow"/>
/// when one is set); requests arriving while every device has one of the model's calls gather, and go as one call when
/// one returns, or at once when their sequences fill a batch. So an idle request never waits, and under load each call
/// carries what arrived during the last one: the router plans it under the devices' token budget, and the devices serve
/// its batches before queued job batches.
/// </summary>
public sealed class OnlineBatcher
{
    private readonly Func<RoutedWork, IReadOnlyList<string>, CancellationToken, Task<RoutedResult>> _route;
    private readonly TimeSpan _window;
    private readonly int _tokensPerBatch;
    private readonly TimeProvider _time;
    private readonly OnlineMetrics _metrics;
    private readonly Func<int> _callsInFlight;
    private readonly Lock _lock = new();
    private readonly Dictionary<GroupKey, Group> _open = [];
    private readonly Dictionary<GroupKey, int> _inFlight = [];

    public OnlineBatcher(BatchRouter router, DeviceListCache devices, IOptions<ServingOptions> serving, IOptions<ScreenOptions> screen, TimeProvider time, OnlineMetrics metrics)
        : this(router.RunAsync, serving.Value.BatchWindow, screen.Value.MaxTokensPerBatch, time, metrics, () => devices.KnownDeviceCount)
    {
    }

    internal OnlineBatcher(
        Func<RoutedWork, IReadOnlyList<string>, CancellationToken, Task<RoutedResult>> route,
        TimeSpan window,
        int tokensPerBatch,
        TimeProvider time,
        OnlineMetrics metrics,
        Func<int> callsInFlight)
    {
        _route = route;
        _window = window;
        _tokensPerBatch = Math.Max(1, tokensPerBatch);
        _time = time;
        _metrics = metrics;
        _callsInFlight = callsInFlight;
    }

    /// <summary>Requests gathered and not yet sent to the devices (the online queue of this silo).</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _open.Values.Sum(g => g.Requests.Count);
            }
        }
    }

    /// <summary>Encodes the request's sequences together with whatever else arrives for the same model within the window.</summary>
    public Task<EncodeResult> EncodeAsync(EncodeRequest request)
    {
        var pending = new Pending(request.Sequences, _time.GetTimestamp());
        var key = new GroupKey(Path.GetFullPath(request.ModelDirectory), request.Outputs ?? OutputRequest.Default, request.Priority, request.Source);

        // Residues plus the two special tokens: the same estimate as the planner's, enough to close a full window early.
        var tokens = request.Sequences.Sum(s => (long)s.Length + 2);
        Group? send = null;
        Group? timed = null;
        lock (_lock)
        {
            if (!_open.TryGetValue(key, out var group))
            {
                group = new Group(key);
                _open[key] = group;
                timed = group;
            }

            group.Requests.Add(pending);
            group.Tokens += tokens;
            var free = InFlight(key) < Math.Max(1, _callsInFlight());
            if (group.Tokens >= _tokensPerBatch || (free && _window <= TimeSpan.Zero))
            {
                send = Take(key);
                timed = null;
            }
            else if (!free)
            {
                // Every device has a call of this model: the group goes when one returns (or when it fills a batch).
                timed = null;
            }
        }

        if (send is not null)
        {
            _ = RunAsync(send);
        }
        else if (timed is not null)
        {
            _ = CloseAfterWindowAsync(timed);
        }

        return pending.Result.Task;
    }

    private int InFlight(GroupKey key) => _inFlight.GetValueOrDefault(key);

    // Takes the open group of the key as a call in flight; called under the lock.
    private Group Take(GroupKey key)
    {
        var group = _open[key];
        _open.Remove(key);
        _inFlight[key] = InFlight(key) + 1;
        return group;
    }

    private async Task CloseAfterWindowAsync(Group group)
    {
        await Task.Delay(_window, _time);
        lock (_lock)
        {
            // A window filled early (or sent when a call returned) has gone already, and a new one may be open under the same key.
            if (!_open.TryGetValue(group.Key, out var open) || open != group)
            {
                return;
            }

            // Every device has a call of this model by now: the first to return takes the group.
            if (InFlight(group.Key) >= Math.Max(1, _callsInFlight()))
            {
                return;
            }

            Take(group.Key);
        }

        await RunAsync(group);
    }

    private async Task RunAsync(Group group)
    {
        try
        {
            await ComputeAsync(group);
        }
        finally
        {
            Group? next = null;
            lock (_lock)
            {
                var key = group.Key;
                _inFlight[key] = InFlight(key) - 1;
                if (_inFlight[key] == 0)
                {
                    _inFlight.Remove(key);
                }

                // What gathered while this call was on the devices goes now.
                if (_open.ContainsKey(key))
                {
                    next = Take(key);
                }
            }

            if (next is not null)
            {
                _ = RunAsync(next);
            }
        }
    }

    private async Task ComputeAsync(Group group)
    {
        var sequences = group.Requests.SelectMany(r => r.Sequences).ToList();
        _metrics.Batch(group.Requests.Count, sequences.Count);
        try
        {
            var key = group.Key;
            var routed = await _route(new RoutedWork(key.Source, key.ModelDirectory, key.Priority, Outputs: key.Outputs, Online: true), sequences, CancellationToken.None);
            var offset = 0;
            foreach (var request in group.Requests)
            {
                var results = routed.Sequences.Skip(offset).Take(request.Sequences.Count)
                    .Select(s => new EncodedSequenceResult(s.Length, s.Truncated, s.Embedding, s.Head, s.Invalid ?? s.DeviceError))
                    .ToList();
                offset += request.Sequences.Count;
                _metrics.QueueTime(_time.GetElapsedTime(request.Arrival) - routed.DeviceBusy);
                request.Result.TrySetResult(new EncodeResult(results));
            }
        }
        catch (Exception e)
        {
            foreach (var request in group.Requests)
            {
                request.Result.TrySetException(e);
            }
        }
    }

    /// <summary>What requests must share to go to the devices as one call.</summary>
    private sealed record GroupKey(string ModelDirectory, OutputRequest Outputs, int Priority, string Source);

    /// <summary>An open window: the requests gathered so far and their tokens.</summary>
    private sealed class Group(GroupKey key)
    {
        public GroupKey Key { get; } = key;

        public List<Pending> Requests { get; } = [];

        public long Tokens { get; set; }
    }

    /// <summary>One request waiting in a window, and the task its caller awaits.</summary>
    private sealed class Pending(IReadOnlyList<string> sequences, long arrival)
    {
        public IReadOnlyList<string> Sequences { get; } = sequences;

        public long Arrival { get; } = arrival;

        public TaskCompletionSource<EncodeResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
