using System.Globalization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// The client side of a job: streams records into shards with a bounded number in flight, sends each distinct
/// sequence once (repeats take the first occurrence's result), retries a shard whose silo fails, and hands rows to
/// the caller in input order, each record exactly once (a record the devices failed on reaches the caller with its
/// <see cref="ShardRow.DeviceError"/>). The aggregator's figures are best effort: if its silo dies they continue from
/// their last stored copy (a few seconds old) and the silos' next reports; the rows do not depend on them.
/// </summary>
public sealed class JobDriver(IGrainFactory grains, ScreenOptions options, JobLabels? labels = null)
{
    private const int AggregatorAttempts = 6;

    private readonly List<int> _actual = [];
    private readonly List<int> _predicted = [];
    private int _rowsSinceReport;
    private int _failedSinceReport;
    private Action<InputProblem>? _onProblem;

    public async Task<JobSnapshot> RunAsync(
        string jobId,
        string modelDirectory,
        string inputDescription,
        long? expectedRecords,
        IAsyncEnumerable<SequenceRecord> records,
        Func<ShardRow, ValueTask> onRow,
        Action<InputProblem>? onProblem,
        CancellationToken cancellationToken)
    {
        _onProblem = onProblem;
        var job = grains.GetGrain<IJobFiguresAggregatorGrain>(jobId);
        var model = Path.GetFullPath(modelDirectory);
        await AggregatorAsync(async () =>
        {
            await job.StartAsync(new JobStart(model, inputDescription, expectedRecords, labels?.ClassNames)).WaitAsync(options.ControlCallTimeout, cancellationToken);
            return true;
        }, cancellationToken);

        var slots = new Queue<(ShardRecord Record, string? Label, Task<ShardRow> Row)>();
        var known = new Dictionary<UInt128, Task<ShardRow>>();
        var knownOrder = new Queue<UInt128>();
        var chunk = new List<(ShardRecord Record, TaskCompletionSource<ShardRow> Row)>(options.ShardSize);
        var shardIndex = 0;
        var window = await ShardsInFlightAsync(cancellationToken) * options.ShardSize;

        try
        {
            await foreach (var input in records.WithCancellation(cancellationToken))
            {
                var record = new ShardRecord(input.Id, input.Sequence, input.SourceFile, input.Line);
                var hash = SequenceIdentity.Of(input.Sequence);
                if (known.TryGetValue(hash, out var original))
                {
                    slots.Enqueue((record, input.Label, AliasAsync(original, record.Id)));
                }
                else
                {
                    var row = new TaskCompletionSource<ShardRow>(TaskCreationOptions.RunContinuationsAsynchronously);
                    known[hash] = row.Task;
                    knownOrder.Enqueue(hash);
                    if (knownOrder.Count > options.DeduplicationCapacity)
                    {
                        known.Remove(knownOrder.Dequeue());
                    }

                    chunk.Add((record, row));
                    slots.Enqueue((record, input.Label, row.Task));
                    if (chunk.Count == options.ShardSize)
                    {
                        Start(jobId, model, shardIndex++, chunk, cancellationToken);
                        chunk = new List<(ShardRecord, TaskCompletionSource<ShardRow>)>(options.ShardSize);
                    }
                }

                // Emitting in order keeps at most a window of records (and so of shards) in flight.
                while (slots.Count > window)
                {
                    await EmitAsync(slots.Dequeue(), onRow);
                }

                if (_rowsSinceReport >= options.ShardSize)
                {
                    await FlushRowCountsAsync(job, cancellationToken);
                }
            }

        }
        catch (InvalidInputException)
        {
            // The reader failed on a record; an earlier record may have failed first, in the shards. Report in input order.
            if (chunk.Count > 0)
            {
                Start(jobId, model, shardIndex, chunk, cancellationToken);
            }

            while (slots.Count > 0)
            {
                await EmitAsync(slots.Dequeue(), onRow);
            }

            throw;
        }

        if (chunk.Count > 0)
        {
            Start(jobId, model, shardIndex, chunk, cancellationToken);
        }

        while (slots.Count > 0)
        {
            await EmitAsync(slots.Dequeue(), onRow);
        }

        await FlushRowCountsAsync(job, cancellationToken);
        return await AggregatorAsync(async () =>
        {
            await job.CompleteAsync().WaitAsync(options.ControlCallTimeout, cancellationToken);
            return await job.GetSnapshotAsync().WaitAsync(options.ControlCallTimeout, cancellationToken);
        }, cancellationToken);
    }

    // Enough shards in flight to keep every device of the cluster (as it is at the job's start) fed; at least the
    // configured number, which is also the answer when the directory cannot be asked.
    private async Task<int> ShardsInFlightAsync(CancellationToken cancellationToken)
    {
        try
        {
            var devices = await grains.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(options.ControlCallTimeout, cancellationToken);
            return Math.Max(options.MaxShardsInFlight, (int)Math.Ceiling(devices.Count * options.ShardsInFlightPerDevice));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return options.MaxShardsInFlight;
        }
    }

    // The aggregator lives on one silo; when that silo dies its calls fail (or, through a gateway, go unanswered: hence
    // the timeout on each call) until membership notices, then the grain reactivates elsewhere from its stored figures.
    // Bounded retries, so a job's rows are never lost to its figures.
    private static async Task<T> AggregatorAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < AggregatorAttempts && e is not OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt * 2), cancellationToken);
            }
        }
    }

    private void Start(string jobId, string model, int shardIndex, List<(ShardRecord Record, TaskCompletionSource<ShardRow> Row)> chunk, CancellationToken cancellationToken)
    {
        var request = new ShardRequest(jobId, shardIndex, model, chunk.Select(c => c.Record).ToList(), options.MaxTokensPerBatch, options.MaxBatchSize, labels?.Scoring);
        _ = CompleteAsync(request, chunk, cancellationToken);
    }

    private async Task CompleteAsync(ShardRequest request, List<(ShardRecord Record, TaskCompletionSource<ShardRow> Row)> chunk, CancellationToken cancellationToken)
    {
        try
        {
            var result = await ProcessWithRetryAsync(request, cancellationToken);
            for (var i = 0; i < chunk.Count; i++)
            {
                chunk[i].Row.SetResult(result.Rows[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var (_, row) in chunk)
            {
                row.TrySetException(e);
            }
        }
    }

    private async Task<ShardResult> ProcessWithRetryAsync(ShardRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // A fresh key per attempt, so a retry never lands on an activation stuck on a dead silo.
            var key = string.Create(CultureInfo.InvariantCulture, $"{request.JobId}/{request.ShardIndex}/{attempt}");
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                var shard = grains.GetGrain<IShardGrain>(key);
                var silo = await shard.LocateAsync().WaitAsync(options.ControlCallTimeout, cancellationToken);
                var watch = WatchAsync(silo, lost);
                try
                {
                    // WaitAsync: the driver stops waiting the moment the watch gives the silo up, whether or not the
                    // runtime completes a cancelled call whose callee is gone.
                    return await shard.ProcessAsync(request, lost.Token).WaitAsync(lost.Token);
                }
                finally
                {
                    await lost.CancelAsync();
                    await watch;
                }
            }
            // A refusal (too large, a model folder outside the roots, no key) would only be refused again.
            catch (Exception e) when (e is not RequestRefusedException && attempt < options.ShardAttempts && !cancellationToken.IsCancellationRequested)
            {
                // Exponential backoff, capped: after a silo dies, membership takes seconds to agree and the device
                // directory to refill; retrying at once would only use up the attempts.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 500 * (1 << (attempt - 1)))), cancellationToken);
            }
        }
    }

    // A call to a grain on a silo that dies is answered by no one: the gateway that forwarded it does not fail it for
    // the client. So the driver watches the shard's silo in the membership and abandons the call once the silo is gone.
    // The watch ends only with the call or with its silo: if it ended on a failed question, the call would be left to
    // the 30-minute response timeout (the hang of the multi-process kill test, see docs/reliability.md).
    private async Task WatchAsync(string silo, CancellationTokenSource lost)
    {
        try
        {
            while (!lost.IsCancellationRequested)
            {
                await Task.Delay(options.SiloWatchInterval, lost.Token);
                IReadOnlyList<string> active;
                try
                {
                    active = await grains.GetGrain<IDeviceDirectoryGrain>(0).GetActiveSilosAsync().WaitAsync(options.ControlCallTimeout, lost.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !lost.IsCancellationRequested)
                {
                    // The directory may itself be on the dead silo: until membership declares that silo dead, calls to
                    // it time out or are rejected ("unable to connect"). Ask again next time.
                    continue;
                }

                if (!active.Contains(silo, StringComparer.Ordinal))
                {
                    await lost.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The call ended, or its silo did.
        }
    }

    private async Task EmitAsync((ShardRecord Record, string? Label, Task<ShardRow> Row) slot, Func<ShardRow, ValueTask> onRow)
    {
        var row = await slot.Row;
        _rowsSinceReport++;
        if (row.Error is not null)
        {
            var problem = new InputProblem(slot.Record.SourceFile, slot.Record.Line, slot.Record.Id, row.Error);
            if (options.FailOnInvalid)
            {
                throw new InvalidInputException(problem);
            }

            _failedSinceReport++;
            _onProblem?.Invoke(problem);
            return;
        }

        if (row.DeviceError is not null)
        {
            // The record's result is its error: the caller writes it where failures go, and the job goes on.
            _failedSinceReport++;
            await onRow(row);
            return;
        }

        if (row.Scores is { Length: > 0 } scores && labels?.ClassOf(slot.Label) is { } actual)
        {
            _actual.Add(actual);
            _predicted.Add(Model.Inference.ZeroShotScorer.ArgMax(scores));
        }

        await onRow(row);
    }

    // Only the driver sees every output row (repeats never reach a shard), so it reports rows to the aggregator.
    // A rejected report is kept and sent with the next one: the aggregator may be moving off a dead silo. A report
    // that timed out may still arrive, so it is dropped rather than resent: figures may undercount, never overcount.
    private async Task FlushRowCountsAsync(IJobFiguresAggregatorGrain job, CancellationToken cancellationToken)
    {
        if (await ReportAsync(job.RecordRowsAsync(_rowsSinceReport, _failedSinceReport), cancellationToken))
        {
            (_rowsSinceReport, _failedSinceReport) = (0, 0);
        }

        if (_actual.Count > 0 && await ReportAsync(job.RecordPredictionsAsync([.. _actual], [.. _predicted]), cancellationToken))
        {
            _actual.Clear();
            _predicted.Clear();
        }
    }

    // True when the figures are done with (delivered, or maybe delivered late); false when they must be sent again.
    private async Task<bool> ReportAsync(Task call, CancellationToken cancellationToken)
    {
        try
        {
            await call.WaitAsync(options.ControlCallTimeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing the job writes depends on these figures.
            return false;
        }
    }

    private static async Task<ShardRow> AliasAsync(Task<ShardRow> original, string id) => (await original) with { Id = id };
}
