using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs.Figures;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Model.Inference;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Processes one slice of a job: its planned records go through the <see cref="BatchRouter"/> (the one path to the
/// devices), the outputs become rows (scored against the job's labels when it has them), and the rows become the
/// shard's part. Every record gets exactly one row.
/// </summary>
internal sealed class ShardGrain(ILocalSiloDetails localSilo, BatchRouter router, JobFiguresFlusher flusher) : Grain, IShardGrain
{
    public Task<string> LocateAsync() => Task.FromResult(localSilo.SiloAddress.ToParsableString());

    public async Task<PartResult> WritePartAsync(PartRequest request, CancellationToken cancellationToken = default)
    {
        var (_, records) = ShardRecordsFile.Read(request.RecordsFile);
        var firsts = records.Where(r => r.Sequence is not null).ToList();
        var computed = await ComputeRowsAsync(request, firsts, cancellationToken);
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

    // The records whose sequence this shard computes (the planner gave every repeat of a sequence to its first record).
    private async Task<(ShardRow[] Rows, int Distinct)> ComputeRowsAsync(PartRequest request, List<PlannedRecord> firsts, CancellationToken cancellationToken)
    {
        var work = new RoutedWork(request.JobId, request.ModelDirectory, request.Priority, request.MaxDevices, request.MaxTokensPerBatch, request.MaxBatchSize, request.Outputs);
        var routed = await router.RunAsync(work, firsts.Select(r => r.Sequence!).ToList(), cancellationToken);

        // The silo's figures for the job go out now rather than at the next interval, so a finished job's are whole.
        await flusher.FlushAsync(request.JobId, cancellationToken);
        var scorer = request.Scoring is { } scoring
            ? new ZeroShotScorer(scoring.LabelFeatures, scoring.Labels, scoring.Width, scoring.LogitScale)
            : null;
        var rows = new ShardRow[routed.Sequences.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var (id, result) = (firsts[i].Id, routed.Sequences[i]);
            if (result.Invalid is { } invalid)
            {
                rows[i] = new ShardRow(id, result.Length, false, null, invalid);
                continue;
            }

            if (result.Outputs is null)
            {
                rows[i] = new ShardRow(id, result.Length, result.Truncated, null, null, DeviceError: result.DeviceError);
                continue;
            }

            // Embedding and Head copy the sequence's row out of its batch's outputs: read each once.
            var (embedding, head) = (result.Embedding, result.Head);
            rows[i] = scorer is null
                ? new ShardRow(id, result.Length, result.Truncated, embedding, null, Scores: head)
                : new ShardRow(id, result.Length, result.Truncated, embedding, null, head, scorer.Score(head ?? throw MissingFeature(request)));
        }

        return (rows, routed.Distinct);
    }

    private static InvalidOperationException MissingFeature(PartRequest request) =>
        new($"Zero-shot scoring needs a ProtST zero-shot model, but '{request.ModelDirectory}' produced no protein feature.");
}
