using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs;
using ProtSt.Model.Outputs;

namespace ProtSt.Grains.Online;

/// <summary>
/// Dynamic batching for online requests, one per silo: the first request for a model opens a window
/// (<see cref="ServingOptions.BatchWindow"/>); the requests for the same model and outputs arriving within it go to the
/// <see cref="BatchRouter"/> as one call, whose batches the devices serve before queued job batches. The router plans
/// the coalesced sequences under the devices' token budget, so several requests become one device batch; a window whose
/// sequences already fill a batch goes at once.
/// </summary>
public sealed class OnlineBatcher
{
    private readonly Func<RoutedWork, IReadOnlyList<string>, CancellationToken, Task<RoutedResult>> _route;
    private readonly TimeSpan _window;
    private readonly int _tokensPerBatch;
    private readonly TimeProvider _time;
    private readonly OnlineMetrics _metrics;
    private readonly Lock _lock = new();
    private readonly Dictionary<GroupKey, Group> _open = [];

    public OnlineBatcher(BatchRouter router, IOptions<ServingOptions> serving, IOptions<ScreenOptions> screen, TimeProvider time, OnlineMetrics metrics)
        : this(router.RunAsync, serving.Value.BatchWindow, screen.Value.MaxTokensPerBatch, time, metrics)
    {
    }

    internal OnlineBatcher(
        Func<RoutedWork, IReadOnlyList<string>, CancellationToken, Task<RoutedResult>> route, TimeSpan window, int tokensPerBatch, TimeProvider time, OnlineMetrics metrics)
    {
        _route = route;
        _window = window;
        _tokensPerBatch = Math.Max(1, tokensPerBatch);
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Encodes the request's sequences together with whatever else arrives for the same model within the window.</summary>
    public Task<EncodeResult> EncodeAsync(EncodeRequest request)
    {
        var pending = new Pending(request.Sequences, _time.GetTimestamp());
        var key = new GroupKey(Path.GetFullPath(request.ModelDirectory), request.Outputs ?? OutputRequest.Default, request.Priority, request.Source);

        // Residues plus the two special tokens: the same estimate as the planner's, enough to close a full window early.
        var tokens = request.Sequences.Sum(s => (long)s.Length + 2);
        Group? full = null;
        Group? opened = null;
        lock (_lock)
        {
            if (!_open.TryGetValue(key, out var group))
            {
                group = new Group(key);
                _open[key] = group;
                opened = group;
            }

            group.Requests.Add(pending);
            group.Tokens += tokens;
            if (group.Tokens >= _tokensPerBatch || _window <= TimeSpan.Zero)
            {
                _open.Remove(key);
                full = group;
            }
        }

        if (full is not null)
        {
            _ = RunAsync(full);
        }
        else if (opened is not null)
        {
            _ = CloseAfterWindowAsync(opened);
        }

        return pending.Result.Task;
    }

    private async Task CloseAfterWindowAsync(Group group)
    {
        await Task.Delay(_window, _time);
        lock (_lock)
        {
            // A window filled early has gone already, and a new one may be open under the same key.
            if (!_open.TryGetValue(group.Key, out var open) || open != group)
            {
                return;
            }

            _open.Remove(group.Key);
        }

        await RunAsync(group);
    }

    private async Task RunAsync(Group group)
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
