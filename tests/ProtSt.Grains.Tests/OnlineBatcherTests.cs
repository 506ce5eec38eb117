using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Online;
using ProtSt.Model.Outputs;

namespace ProtSt.Grains.Tests;

/// <summary>
/// Dynamic batching: requests for one model arriving within the window, or while the model's calls occupy every device,
/// reach the router (and so the devices) as one call.
/// </summary>
public sealed class OnlineBatcherTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<(RoutedWork Work, IReadOnlyList<string> Sequences)> _calls = [];

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Requests_within_the_window_go_as_one_online_call_and_each_gets_its_own_rows()
    {
        // A window that never ends by time: the third request fills the token budget (3 × (10 + 2) ≥ 30) and closes it.
        var batcher = Batcher(TimeSpan.FromDays(1), tokensPerBatch: 30);
        var first = batcher.EncodeAsync(new EncodeRequest("/models/a", ["AAAAAAAAAA"]));
        var second = batcher.EncodeAsync(new EncodeRequest("/models/a", ["CCCCCCCCCC"]));
        Assert.Empty(_calls);
        Assert.False(first.IsCompleted);

        var third = batcher.EncodeAsync(new EncodeRequest("/models/a", ["DDDDDDDDDD"]));
        var results = await Task.WhenAll(first, second, third);

        var call = Assert.Single(_calls);
        Assert.True(call.Work.Online);
        Assert.Equal(["AAAAAAAAAA", "CCCCCCCCCC", "DDDDDDDDDD"], call.Sequences);
        Assert.Equal([10f, 20f, 30f], results.Select(r => Assert.Single(r.Sequences).Embedding![0]));
    }

    [Fact]
    public async Task Another_model_gets_its_own_call_and_a_zero_window_sends_each_request_alone()
    {
        var batcher = Batcher(TimeSpan.Zero, tokensPerBatch: 1_000);
        await Task.WhenAll(
            batcher.EncodeAsync(new EncodeRequest("/models/a", ["AAAA"])),
            batcher.EncodeAsync(new EncodeRequest("/models/b", ["CCCC", "DD"])));
        Assert.Equal(2, _calls.Count);
        Assert.Equal(["/models/a", "/models/b"], _calls.Select(c => c.Work.ModelDirectory).Order());
    }

    [Fact]
    public async Task An_idle_request_goes_at_once_and_those_arriving_while_it_computes_go_together_when_it_returns()
    {
        // One device, no window: the first request is sent without waiting; the next three find the device busy with it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = Batcher(TimeSpan.Zero, tokensPerBatch: 1_000, async (work, sequences, token) =>
        {
            var routed = Route(work, sequences, token);
            await gate.Task;
            return await routed;
        });
        var first = batcher.EncodeAsync(new EncodeRequest("/models/a", ["AAAA"]));
        Assert.Single(_calls);

        var later = new[] { "CCCC", "DDDD", "EEEE" }.Select(s => batcher.EncodeAsync(new EncodeRequest("/models/a", [s]))).ToList();
        Assert.Single(_calls);
        Assert.Equal(3, batcher.Waiting);

        gate.SetResult();
        await first;
        var results = await Task.WhenAll(later);
        Assert.Equal(2, _calls.Count);
        Assert.Equal(["CCCC", "DDDD", "EEEE"], _calls[1].Sequences);
        Assert.Equal([10f, 20f, 30f], results.Select(r => Assert.Single(r.Sequences).Embedding![0]));
        Assert.Equal(0, batcher.Waiting);
    }

    private OnlineBatcher Batcher(TimeSpan window, int tokensPerBatch, Func<RoutedWork, IReadOnlyList<string>, CancellationToken, Task<RoutedResult>>? route = null) =>
        new(route ?? Route, window, tokensPerBatch, TimeProvider.System, new OnlineMetrics(_services.GetRequiredService<IMeterFactory>()), () => 1);

    // Each sequence's "embedding" is its first letter's offset in the call × 10, so rows must come back to their request.
    private Task<RoutedResult> Route(RoutedWork work, IReadOnlyList<string> sequences, CancellationToken cancellationToken)
    {
        lock (_calls)
        {
            _calls.Add((work, sequences));
        }

        var outputs = new BatchOutputs(sequences.Count, 1, 1, [.. sequences.Select((_, i) => (i + 1) * 10f)]);
        return Task.FromResult(new RoutedResult([.. sequences.Select((s, i) => new RoutedSequence(s.Length, false, outputs, i))], sequences.Count));
    }
}
