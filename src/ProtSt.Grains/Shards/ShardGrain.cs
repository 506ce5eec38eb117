using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Shards;

/// <summary>
/// Processes one slice of a job: tokenizes each record, computes each distinct sequence once, plans batches under the
/// token budget, sends them to the least-loaded devices anywhere in the cluster, and retries a batch elsewhere when a
/// device, its silo or the call fails. Every record gets exactly one row.
/// </summary>
internal sealed class ShardGrain(ModelCatalog catalog, ILogger<ShardGrain> logger) : Grain, IShardGrain
{
    private const int MaxAttempts = 4;

    public async Task<ShardResult> ProcessAsync(ShardRequest request)
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

        var outputs = await EmbedAsync(request, tokenizer, distinct);
        var scorer = request.Scoring is { } scoring
            ? new ZeroShotScorer(scoring.LabelFeatures, scoring.Labels, scoring.Width, scoring.LogitScale)
            : null;
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null)
            {
                var encoded = distinct[distinctOf[i]];
                var (embedding, head) = outputs[distinctOf[i]];
                rows[i] = scorer is null
                    ? new ShardRow(request.Records[i].Id, encoded.OriginalResidueCount, encoded.Truncated, embedding, null, Scores: head)
                    : new ShardRow(request.Records[i].Id, encoded.OriginalResidueCount, encoded.Truncated, embedding, null, head, scorer.Score(head ?? throw MissingFeature(request)));
            }
        }

        return new ShardResult(request.ShardIndex, rows!, distinct.Count);
    }

    private static InvalidOperationException MissingFeature(ShardRequest request) =>
        new($"Zero-shot scoring needs a ProtST zero-shot model, but '{request.ModelDirectory}' produced no protein feature.");

    private async Task<(float[] Embedding, float[]? Head)[]> EmbedAsync(ShardRequest request, EsmTokenizer tokenizer, List<EncodedSequence> distinct)
    {
        var result = new (float[], float[]?)[distinct.Count];
        if (distinct.Count == 0)
        {
            return result;
        }

        var devices = await GrainFactory.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync();
        if (devices.Count == 0)
        {
            throw new InvalidOperationException("No devices are registered in the cluster; start a silo with at least one device.");
        }

        var load = new ConcurrentDictionary<string, int>(devices.Select(d => KeyValuePair.Create(d, 0)));
        var planner = new TokenBudgetBatchPlanner(new BatchPlannerOptions { MaxTokensPerBatch = request.MaxTokensPerBatch, MaxBatchSize = request.MaxBatchSize });
        var job = GrainFactory.GetGrain<IJobGrain>(request.JobId);

        // Two batches in flight per device keep each device fed while the previous result travels back.
        using var slots = new SemaphoreSlim(devices.Count * 2);
        var plan = planner.Plan(distinct.Select(e => e.Length).ToList());
        await job.ReportPlannedAsync(plan.Count);
        var tasks = plan.Select(async planned =>
        {
            await slots.WaitAsync();
            try
            {
                var members = planned.Indices.Select(i => distinct[i]).ToList();
                var batch = EncodedBatch.Create(members, tokenizer.PadId);
                var output = await RunWithRetryAsync(request, batch, load);
                for (var row = 0; row < members.Count; row++)
                {
                    result[planned.Indices[row]] = (
                        output.MeanEmbeddings.AsSpan(row * output.HiddenSize, output.HiddenSize).ToArray(),
                        output.HeadOutputs?.AsSpan(row * output.HeadWidth, output.HeadWidth).ToArray());
                }

                await job.ReportAsync(new BatchReport(output.DeviceKey, members.Count, members.Sum(m => (long)m.ResidueCount), batch.RealTokens, batch.PaddedTokens, output.Busy));
            }
            finally
            {
                slots.Release();
            }
        });
        await Task.WhenAll(tasks);
        return result;
    }

    private async Task<DeviceBatchResult> RunWithRetryAsync(ShardRequest request, EncodedBatch batch, ConcurrentDictionary<string, int> load)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            var device = PickDevice(load, tried);
            load.AddOrUpdate(device, 1, (_, n) => n + 1);
            try
            {
                return await GrainFactory.GetGrain<IDeviceGrain>(device)
                    .RunAsync(new DeviceBatch(request.JobId, request.ModelDirectory, batch.InputIds, batch.AttentionMask, batch.BatchSize, batch.SequenceLength));
            }
            catch (Exception e) when (attempt < MaxAttempts)
            {
                // A dead silo, a timeout or a device error: this device is suspect for the rest of the shard.
                logger.LogWarning(e, "Batch of {Size} failed on {Device} (attempt {Attempt}); retrying on another device", batch.BatchSize, device, attempt);
                tried.Add(device);
                load.TryRemove(device, out _);
                if (load.IsEmpty)
                {
                    foreach (var fresh in await GrainFactory.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync())
                    {
                        if (!tried.Contains(fresh))
                        {
                            load.TryAdd(fresh, 0);
                        }
                    }
                }
            }
            finally
            {
                load.AddOrUpdate(device, 0, (_, n) => Math.Max(0, n - 1));
            }
        }
    }

    private static string PickDevice(ConcurrentDictionary<string, int> load, HashSet<string> tried)
    {
        var candidates = load.Where(entry => !tried.Contains(entry.Key)).ToList();
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException("Every device available to this shard has failed.");
        }

        var least = candidates.Min(entry => entry.Value);
        var ties = candidates.Where(entry => entry.Value == least).ToList();
        return ties[Random.Shared.Next(ties.Count)].Key;
    }
}
