using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs.Figures;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Processes one slice of a job: tokenizes each record, computes each distinct sequence once, plans batches under the
/// token budget, sends them to the least-loaded devices anywhere in the cluster, and retries a batch elsewhere when a
/// device, its silo or the call fails. Every record gets exactly one row.
/// </summary>
internal sealed class ShardGrain(
    ModelCatalog catalog, ILocalSiloDetails localSilo, DeviceListCache deviceList, JobFiguresAccumulator figures, JobFiguresFlusher flusher, ILogger<ShardGrain> logger)
    : Grain, IShardGrain
{
    private const int MaxAttempts = 4;

    public Task<string> LocateAsync() => Task.FromResult(localSilo.SiloAddress.ToParsableString());

    public async Task<PartResult> WritePartAsync(PartRequest request, CancellationToken cancellationToken = default)
    {
        var (source, records) = ShardRecordsFile.Read(request.RecordsFile);
        var firsts = records.Where(r => r.Sequence is not null).ToList();
        var computed = await ComputeRowsAsync(
            new ShardRequest(request.JobId, request.ShardIndex, request.ModelDirectory, firsts.Select(r => new ShardRecord(r.Id, r.Sequence!, source, r.Line)).ToList(),
                request.MaxTokensPerBatch, request.MaxBatchSize, request.Scoring, request.Priority, request.MaxDevices),
            cancellationToken);
        var byOrdinal = new Dictionary<long, ShardRow>();
        for (var i = 0; i < firsts.Count; i++)
        {
            byOrdinal[firsts[i].Ordinal] = computed.Rows[i];
        }

        await ReadRepeatedAsync(request, records, byOrdinal, cancellationToken);
        var labels = request.ScoreLabels && request.ClassNames is { } names ? new JobLabels(names) : null;
        var (actual, predicted) = (new List<int>(), new List<int>());
        var temporary = PartFolder.CreateTemporary(request.PartsDirectory, request.ShardIndex);
        var columns = request.ClassNames is { } classes && request.ScorePrefix is { } prefix ? new ScoreColumns(prefix, classes) : null;
        var writer = new ScreenResultWriter(temporary, columns, request.WithFeature, Math.Max(1, records.Count));
        await using (writer)
        {
            foreach (var record in records)
            {
                var row = byOrdinal[record.Sequence is null ? record.Original : record.Ordinal] with { Id = record.Id };
                if ((row.DeviceError ?? row.Error) is { } error)
                {
                    // The job's planner refused invalid records already; anything left is the devices' failure.
                    await writer.WriteFailureAsync(row.Id, row.Length, error, cancellationToken);
                    continue;
                }

                await writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, row.Feature, columns is null ? null : row.Scores, cancellationToken);
                if (labels?.ClassOf(record.Label) is { } truth && row.Scores is { Length: > 0 } scores)
                {
                    actual.Add(truth);
                    predicted.Add(ZeroShotScorer.ArgMax(scores));
                }
            }

            await writer.CheckpointAsync(cancellationToken);
        }

        var result = new PartResult(
            request.JobId, request.ShardIndex, records.Count > 0 ? records[0].Ordinal : 0, records.Count, checked((int)writer.Rows), checked((int)writer.Failures), computed.Distinct, [.. actual], [.. predicted]);
        return await PartFolder.PublishAsync(temporary, request.PartsDirectory, result, cancellationToken);
    }

    // A record repeating a sequence of an earlier shard takes that shard's row from its part (the job runs a shard only
    // once the shards it repeats are done); one repeating a sequence of this shard takes it from this shard's rows.
    private static async Task ReadRepeatedAsync(PartRequest request, IReadOnlyList<PlannedRecord> records, Dictionary<long, ShardRow> byOrdinal, CancellationToken cancellationToken)
    {
        var first = records.Count > 0 ? records[0].Ordinal : 0;
        var planDirectory = Path.GetDirectoryName(request.RecordsFile)!;
        var foreign = records.Where(r => r.Sequence is null && r.Original < first).Select(r => r.Original).Distinct().ToList();
        foreach (var group in foreign.GroupBy(ordinal => checked((int)(ordinal / request.ShardSize))))
        {
            var (_, theirs) = ShardRecordsFile.Read(ShardRecordsFile.PathOf(planDirectory, group.Key));
            var idOf = theirs.ToDictionary(r => r.Ordinal, r => r.Id);
            var ids = group.Select(o => idOf[o]).ToHashSet(StringComparer.Ordinal);
            var rows = await PartRows.ReadAsync(PartFolder.PathOf(request.PartsDirectory, group.Key), ids, request.WithFeature, request.ClassNames is not null, cancellationToken);
            foreach (var ordinal in group)
            {
                byOrdinal[ordinal] = rows.TryGetValue(idOf[ordinal], out var row)
                    ? row
                    : throw new InvalidDataException($"Part {group.Key} of job {request.JobId} has no row for record {idOf[ordinal]}, which record {ordinal} repeats.");
            }
        }
    }

    private async Task<(ShardRow[] Rows, int Distinct)> ComputeRowsAsync(ShardRequest request, CancellationToken cancellationToken)
    {
        var tokenizer = catalog.Tokenizer(request.ModelDirectory);
        var rows = new ShardRow?[request.Records.Count];

        // Distinct sequences in first-seen order; each record points at the one it shares.
        var distinct = new List<EncodedSequence>();
        var bySequence = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinctOf = new int[request.Records.Count];
        for (var i = 0; i < request.Records.Count; i++)
        {
            var record = request.Records[i];
            try
            {
                var normalized = EsmTokenizer.Normalize(record.Sequence);
                if (!bySequence.TryGetValue(normalized, out var index))
                {
                    index = distinct.Count;
                    distinct.Add(tokenizer.Encode(normalized));
                    bySequence[normalized] = index;
                }

                distinctOf[i] = index;
            }
            catch (InvalidSequenceException e)
            {
                // Reported as the record's row, not thrown: the client applies the job's skip/fail policy with file and line.
                rows[i] = new ShardRow(record.Id, record.Sequence.Length, false, null, e.Message);
                distinctOf[i] = -1;
            }
        }

        var outputs = await EmbedAsync(request, tokenizer, distinct, cancellationToken);
        var scorer = request.Scoring is { } scoring
            ? new ZeroShotScorer(scoring.LabelFeatures, scoring.Labels, scoring.Width, scoring.LogitScale)
            : null;
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null)
            {
                var encoded = distinct[distinctOf[i]];
                var (embedding, head, deviceError) = outputs[distinctOf[i]];
                rows[i] = embedding is null
                    ? new ShardRow(request.Records[i].Id, encoded.OriginalResidueCount, encoded.Truncated, null, null, DeviceError: deviceError)
                    : scorer is null
                    ? new ShardRow(request.Records[i].Id, encoded.OriginalResidueCount, encoded.Truncated, embedding, null, Scores: head)
                    : new ShardRow(request.Records[i].Id, encoded.OriginalResidueCount, encoded.Truncated, embedding, null, head, scorer.Score(head ?? throw MissingFeature(request)));
            }
        }

        return (rows.Select(r => r!).ToArray(), distinct.Count);
    }

    private static InvalidOperationException MissingFeature(ShardRequest request) =>
        new($"Zero-shot scoring needs a ProtST zero-shot model, but '{request.ModelDirectory}' produced no protein feature.");

    private async Task<Computed[]> EmbedAsync(ShardRequest request, EsmTokenizer tokenizer, List<EncodedSequence> distinct, CancellationToken cancellationToken)
    {
        var result = new Computed[distinct.Count];
        if (distinct.Count == 0)
        {
            return result;
        }

        var devices = JobDevices.Choose(request.JobId, await deviceList.GetDevicesAsync(cancellationToken), request.MaxDevices);
        if (devices.Count == 0)
        {
            throw new InvalidOperationException("No devices are registered in the cluster; start a silo with at least one device.");
        }

        var load = new ConcurrentDictionary<string, int>(devices.Select(d => KeyValuePair.Create(d, 0)));
        var planner = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = request.MaxTokensPerBatch, MaxBatchSize = request.MaxBatchSize });

        // Two batches in flight per device keep each device fed while the previous result travels back.
        using var slots = new SemaphoreSlim(devices.Count * 2);
        var plan = planner.Plan(distinct.Select(e => e.Length).ToList());
        figures.AddPlanned(request.JobId, plan.Count);
        var tasks = plan.Select(async planned =>
        {
            // A cancelled job stops sending batches; the ones on devices finish, so the devices are free within a batch.
            await slots.WaitAsync(cancellationToken);
            try
            {
                await ComputeAsync(request, tokenizer, distinct, planned.Indices, load, result);
            }
            finally
            {
                slots.Release();
            }
        });
        await Task.WhenAll(tasks);

        // The silo's figures for the job go out now rather than at the next interval, so a finished job's are whole.
        await flusher.FlushAsync(request.JobId, cancellationToken);
        return result;
    }

    // A device error (not a lost call) on a batch may be its size (out of memory) or one bad sequence: halve the batch
    // and run the halves one after the other, down to single sequences; a sequence that fails alone on two devices is
    // reported with the error, so one poison sequence costs about 2·log2(batch) extra calls, never an endless loop.
    private async Task ComputeAsync(
        ShardRequest request, EsmTokenizer tokenizer, List<EncodedSequence> distinct, IReadOnlyList<int> indices,
        ConcurrentDictionary<string, int> load, Computed[] result)
    {
        var members = indices.Select(i => distinct[i]).ToList();
        var batch = EncodedBatch.Create(members, tokenizer.PadId);
        DeviceBatchResult output;
        try
        {
            output = await RunWithRetryAsync(request, batch, load, deviceFailuresAllowed: indices.Count == 1 ? 2 : 1);
        }
        catch (DeviceFailedException e) when (indices.Count > 1)
        {
            logger.LogWarning("Batch of {Size} failed on a device ({Error}); splitting it", indices.Count, e.Message);
            figures.AddPlanned(request.JobId, 1);
            var half = indices.Count / 2;
            await ComputeAsync(request, tokenizer, distinct, indices.Take(half).ToList(), load, result);
            await ComputeAsync(request, tokenizer, distinct, indices.Skip(half).ToList(), load, result);
            return;
        }
        catch (DeviceFailedException e)
        {
            logger.LogWarning("Sequence {Index} of shard {Shard} failed alone on the devices; reporting it: {Error}", indices[0], request.ShardIndex, e.Message);
            result[indices[0]] = new Computed(null, null, e.Message.ReplaceLineEndings(" ").Replace('\t', ' '));
            figures.Add(request.JobId, BatchReport.NotComputed);
            return;
        }

        for (var row = 0; row < members.Count; row++)
        {
            result[indices[row]] = new Computed(
                output.MeanEmbeddings.AsSpan(row * output.HiddenSize, output.HiddenSize).ToArray(),
                output.HeadOutputs?.AsSpan(row * output.HeadWidth, output.HeadWidth).ToArray(),
                null);
        }

        figures.Add(request.JobId, new BatchReport(output.DeviceKey, members.Count, members.Sum(m => (long)m.ResidueCount), batch.RealTokens, batch.PaddedTokens, output.Busy, output.Accelerator));
    }

    // Lost calls (a dead silo, a timeout) move the batch to another device, up to MaxAttempts; a device error is
    // thrown on to the caller, which splits the batch, unless a single sequence may still try another device.
    private async Task<DeviceBatchResult> RunWithRetryAsync(
        ShardRequest request, EncodedBatch batch, ConcurrentDictionary<string, int> load, int deviceFailuresAllowed)
    {
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
                return await GrainFactory.GetGrain<IDeviceGrain>(device)
                    .RunAsync(new DeviceBatch(request.JobId, request.ModelDirectory, batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength, request.Priority));
            }
            catch (Exception e) when (attempt < MaxAttempts && (e is not DeviceFailedException || ++deviceFailures < deviceFailuresAllowed))
            {
                logger.LogWarning(e, "Batch of {Size} failed on {Device} (attempt {Attempt}); retrying on another device", batch.BatchSize, device, attempt);
                tried.Add(device);
                last = e;
                folderFailures += e is ModelFolderException ? 1 : 0;

                // A lost call makes the device suspect for the rest of the shard; a device error may be the batch's fault.
                suspect = e is not DeviceFailedException;
                await RefillAsync(request, load, tried);
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

    // Devices that joined since the shard started (or replace dead ones) become candidates once the known ones are used
    // up; the silo's list is read from the directory again first, in case it has not heard of them yet.
    private async Task RefillAsync(ShardRequest request, ConcurrentDictionary<string, int> load, HashSet<string> tried)
    {
        if (load.Keys.Any(d => !tried.Contains(d)))
        {
            return;
        }

        // A job held to fewer devices takes the next ones in its order in place of those this batch has used up.
        await deviceList.RefreshAsync();
        var untried = (await deviceList.GetDevicesAsync()).Where(d => !tried.Contains(d));
        foreach (var fresh in JobDevices.Choose(request.JobId, untried, request.MaxDevices))
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

    // The cause goes to the client: before, it was only in this silo's log. A model folder that no device could open
    // (its manifest disagrees with its graph, a file is missing) fails the same way on a retry, so it is refused.
    private static Exception NoDeviceLeft(Exception? last, bool everyDeviceFailedToOpenTheModel) =>
        last is null ? new InvalidOperationException("No device is left to this shard: every device it knew of has failed or left.")
        : everyDeviceFailedToOpenTheModel ? new RequestRefusedException($"No device could open the model folder: {last.Message}", last)
        : new InvalidOperationException($"Every device available to this shard has failed; the last error: {last.Message}", last);

    /// <summary>One distinct sequence's outputs, or the device error it failed with alone.</summary>
    private readonly record struct Computed(float[]? Embedding, float[]? Head, string? DeviceError);
}
