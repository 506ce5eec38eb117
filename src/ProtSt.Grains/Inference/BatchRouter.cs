using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtSt.Grains.Jobs;
using ProtSt.Grains.Jobs.Figures;
using ProtSt.Model.Folders;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Inference;

/// <summary>
/// The one path from sequences to devices, for a job's shards and any other caller alike: tokenizes and computes each
/// distinct sequence once, plans batches under the token budget of the devices that will run them (whoever submitted
/// the work), sends each to the least-loaded of the work's devices anywhere in the cluster, moves a batch whose device,
/// silo or call is lost to another device, and halves a batch a device fails on down to the sequence at fault.
/// </summary>
public sealed class BatchRouter(
    IGrainFactory grains,
    ModelCatalog catalog,
    DeviceListCache deviceList,
    JobFiguresAccumulator figures,
    IOptions<ScreenOptions> options,
    ILogger<BatchRouter> logger)
{
    private const int MaxAttempts = 4;

    /// <summary>One result per sequence of <paramref name="sequences"/>, in their order.</summary>
    public async Task<RoutedResult> RunAsync(RoutedWork work, IReadOnlyList<string> sequences, CancellationToken cancellationToken)
    {
        var results = new RoutedSequence[sequences.Count];
        var (distinct, busy) = await StreamAsync(
            work,
            sequences,
            (computed, _) =>
            {
                foreach (var (index, result) in computed)
                {
                    results[index] = result;
                }

                return Task.CompletedTask;
            },
            cancellationToken);
        return new RoutedResult(results, distinct, busy);
    }

    /// <summary>
    /// Computes as <see cref="RunAsync"/> does, but hands each sequence's result (by its index in
    /// <paramref name="sequences"/>) to <paramref name="onComputed"/> as soon as its batch is done, and keeps none itself:
    /// a caller that writes and drops them holds the batches in flight (two per device), however many sequences it
    /// sends. Calls of <paramref name="onComputed"/> never overlap within one call, and a batch's slot is held until its
    /// call returns, so a slow writer slows the devices' feed rather than piling up results. Returns how many distinct
    /// sequences the devices ran and their computing time.
    /// </summary>
    public async Task<(int Distinct, TimeSpan DeviceBusy)> StreamAsync(
        RoutedWork work,
        IReadOnlyList<string> sequences,
        Func<IReadOnlyList<(int Index, RoutedSequence Result)>, CancellationToken, Task> onComputed,
        CancellationToken cancellationToken)
    {
        var tokenizer = catalog.Tokenizer(work.ModelDirectory);

        // Distinct sequences in first-seen order, each with the inputs that share it.
        var distinct = new List<EncodedSequence>();
        var inputsOf = new List<List<int>>();
        var bySequence = new Dictionary<string, int>(StringComparer.Ordinal);
        var invalid = new List<(int, RoutedSequence)>();
        for (var i = 0; i < sequences.Count; i++)
        {
            try
            {
                var normalized = EsmTokenizer.Normalize(sequences[i]);
                if (!bySequence.TryGetValue(normalized, out var index))
                {
                    index = distinct.Count;
                    distinct.Add(tokenizer.Encode(normalized));
                    inputsOf.Add([]);
                    bySequence[normalized] = index;
                }

                inputsOf[index].Add(i);
            }
            catch (InvalidSequenceException e)
            {
                // Reported as the sequence's result, not thrown: the caller applies its own policy to invalid input.
                invalid.Add((i, new RoutedSequence(sequences[i].Length, false, Invalid: e.Message)));
            }
        }

        using var gate = new SemaphoreSlim(1, 1);
        async Task DeliverAsync(IReadOnlyList<(int, RoutedSequence)> computed)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await onComputed(computed, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }

        if (invalid.Count > 0)
        {
            await DeliverAsync(invalid);
        }

        Task CompletedAsync(IReadOnlyList<int> indices, BatchOutputs? outputs, string? deviceError)
        {
            var computed = new List<(int, RoutedSequence)>();
            for (var row = 0; row < indices.Count; row++)
            {
                var encoded = distinct[indices[row]];
                foreach (var input in inputsOf[indices[row]])
                {
                    computed.Add((input, new RoutedSequence(encoded.OriginalResidueCount, encoded.Truncated, outputs, row, DeviceError: deviceError)));
                }
            }

            return DeliverAsync(computed);
        }

        var busy = await ComputeDistinctAsync(work, tokenizer, distinct, CompletedAsync, cancellationToken);
        return (distinct.Count, busy);
    }

    private async Task<TimeSpan> ComputeDistinctAsync(
        RoutedWork work, EsmTokenizer tokenizer, List<EncodedSequence> distinct, Func<IReadOnlyList<int>, BatchOutputs?, string?, Task> completed, CancellationToken cancellationToken)
    {
        if (distinct.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var devices = JobDevices.Choose(work.JobId, await deviceList.GetDevicesAsync(cancellationToken), work.MaxDevices);
        if (devices.Count == 0)
        {
            throw new InvalidOperationException("No devices are registered in the cluster; start a silo with at least one device.");
        }

        var routing = new Routing(work, tokenizer, distinct, completed, new ConcurrentDictionary<string, int>(devices.Select(d => KeyValuePair.Create(d, 0))), new BusyTime());
        var planner = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = TokensPerBatch(work, devices), MaxBatchSize = work.MaxBatchSize, MaxPaddingFraction = options.Value.MaxPaddingFraction });

        // Two batches in flight per device keep each device fed while the previous result travels back.
        using var slots = new SemaphoreSlim(devices.Count * 2);
        var plan = planner.Plan(distinct.Select(e => e.Length).ToList());
        figures.AddPlanned(work.JobId, plan.Count);
        var tasks = plan.Select(async planned =>
        {
            // A cancelled job stops sending batches; the ones on devices finish, so the devices are free within a batch.
            await slots.WaitAsync(cancellationToken);
            try
            {
                await ComputeAsync(routing, planned.Indices);
            }
            finally
            {
                slots.Release();
            }
        });
        await Task.WhenAll(tasks);
        return TimeSpan.FromTicks(Interlocked.Read(ref routing.Busy.Ticks));
    }

    // The budget of the devices the batches go to (the smallest among them, so any of them can take any batch), capped
    // by the work's own when it asks for less; this silo's own budget stands in for devices whose silo did not say.
    private int TokensPerBatch(RoutedWork work, IReadOnlyList<string> devices)
    {
        var budget = deviceList.TokensPerBatchOf(devices) ?? options.Value.MaxTokensPerBatch;
        return work.MaxTokensPerBatch > 0 ? Math.Min(work.MaxTokensPerBatch, budget) : budget;
    }

    // A device error (not a lost call) on a batch may be its size (out of memory) or one bad sequence: halve the batch
    // and run the halves one after the other, down to single sequences; a sequence that fails alone on two devices is
    // reported with the error, so one poison sequence costs about 2·log2(batch) extra calls, never an endless loop.
    private async Task ComputeAsync(Routing routing, IReadOnlyList<int> indices)
    {
        var work = routing.Work;
        var members = indices.Select(i => routing.Distinct[i]).ToList();
        var batch = EncodedBatch.Create(members, routing.Tokenizer.PadId);
        DeviceBatchResult output;
        try
        {
            output = await RunWithRetryAsync(routing, batch, deviceFailuresAllowed: indices.Count == 1 ? 2 : 1);
        }
        catch (DeviceFailedException e) when (indices.Count > 1)
        {
            logger.LogWarning("Batch of {Size} failed on a device ({Error}); splitting it", indices.Count, e.Message);
            figures.AddPlanned(work.JobId, 1);
            var half = indices.Count / 2;
            await ComputeAsync(routing, indices.Take(half).ToList());
            await ComputeAsync(routing, indices.Skip(half).ToList());
            return;
        }
        catch (DeviceFailedException e)
        {
            logger.LogWarning("Sequence {Index} of job {Job} failed alone on the devices; reporting it: {Error}", indices[0], work.JobId, e.Message);
            figures.Add(work.JobId, BatchReport.NotComputed);
            await routing.Completed(indices, null, e.Message.ReplaceLineEndings(" ").Replace('\t', ' '));
            return;
        }

        Interlocked.Add(ref routing.Busy.Ticks, output.Busy.Ticks);
        figures.Add(work.JobId, new BatchReport(output.DeviceKey, members.Count, members.Sum(m => (long)m.ResidueCount), batch.RealTokens, batch.PaddedTokens, output.Busy, output.Accelerator));
        await routing.Completed(indices, output.Outputs, null);
    }

    // Lost calls (a dead silo, a timeout) move the batch to another device, up to MaxAttempts; a device error is
    // thrown on to the caller, which splits the batch, unless a single sequence may still try another device.
    private async Task<DeviceBatchResult> RunWithRetryAsync(Routing routing, EncodedBatch batch, int deviceFailuresAllowed)
    {
        var work = routing.Work;
        var load = routing.Load;
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var deviceFailures = 0;
        Exception? last = null;
        var folderFailures = 0;
        for (var attempt = 1; ; attempt++)
        {
            var device = PickDevice(load, tried) ?? throw NoDeviceLeft(last, folderFailures == tried.Count);
            var suspect = false;
            load.AddOrUpdate(device, 1, (_, n) => n + 1);
            try
            {
                return await grains.GetGrain<IDeviceGrain>(device)
                    .RunAsync(new DeviceBatch(work.JobId, work.ModelDirectory, batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength, work.Priority, work.Outputs, work.Online));
            }
            catch (Exception e) when (attempt < MaxAttempts && (e is not DeviceFailedException || ++deviceFailures < deviceFailuresAllowed))
            {
                logger.LogWarning(e, "Batch of {Size} failed on {Device} (attempt {Attempt}); retrying on another device", batch.BatchSize, device, attempt);
                tried.Add(device);
                last = e;
                folderFailures += e is ModelFolderException ? 1 : 0;

                // A lost call makes the device suspect for the rest of the work; a device error may be the batch's fault.
                suspect = e is not DeviceFailedException;
                await RefillAsync(work, load, tried);
                if (e is DeviceFailedException && !load.Keys.Any(d => !tried.Contains(d)))
                {
                    // No other device to try: the device error stands.
                    throw;
                }
            }
            finally
            {
                if (suspect)
                {
                    load.TryRemove(device, out _);
                }
                else
                {
                    load.AddOrUpdate(device, 0, (_, n) => Math.Max(0, n - 1));
                }
            }
        }
    }

    // Devices that joined since the work started (or replace dead ones) become candidates once the known ones are used
    // up; the silo's list is read from the directory again first, in case it has not heard of them yet.
    private async Task RefillAsync(RoutedWork work, ConcurrentDictionary<string, int> load, HashSet<string> tried)
    {
        if (load.Keys.Any(d => !tried.Contains(d)))
        {
            return;
        }

        // A job held to fewer devices takes the next ones in its order in place of those this batch has used up.
        await deviceList.RefreshAsync();
        var untried = (await deviceList.GetDevicesAsync()).Where(d => !tried.Contains(d));
        foreach (var fresh in JobDevices.Choose(work.JobId, untried, work.MaxDevices))
        {
            load.TryAdd(fresh, 0);
        }
    }

    private static string? PickDevice(ConcurrentDictionary<string, int> load, HashSet<string> tried)
    {
        var candidates = load.Where(entry => !tried.Contains(entry.Key)).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var least = candidates.Min(entry => entry.Value);
        var ties = candidates.Where(entry => entry.Value == least).ToList();
        return ties[Random.Shared.Next(ties.Count)].Key;
    }

    // The cause goes to the caller: before, it was only in this silo's log. A model folder that no device could open
    // (its manifest disagrees with its graph, a file is missing) fails the same way on a retry, so it is refused.
    private static Exception NoDeviceLeft(Exception? last, bool everyDeviceFailedToOpenTheModel) =>
        last is null ? new InvalidOperationException("No device is left to this shard: every device it knew of has failed or left.")
        : everyDeviceFailedToOpenTheModel ? new RequestRefusedException($"No device could open the model folder: {last.Message}", last)
        : new InvalidOperationException($"Every device available to this shard has failed; the last error: {last.Message}", last);

    /// <summary>One call's state: its work, its distinct sequences, where their results go, and the load it put on each device.</summary>
    private sealed record Routing(
        RoutedWork Work, EsmTokenizer Tokenizer, List<EncodedSequence> Distinct, Func<IReadOnlyList<int>, BatchOutputs?, string?, Task> Completed, ConcurrentDictionary<string, int> Load, BusyTime Busy);

    /// <summary>The devices' computing time summed over a call's batches, added to from the batches' tasks.</summary>
    private sealed class BusyTime
    {
        public long Ticks;
    }
}
