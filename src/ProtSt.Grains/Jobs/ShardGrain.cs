using Microsoft.Extensions.Options;
using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs.Figures;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Model.Inference;
using ProtSt.Model.Outputs;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Processes one slice of a job: its planned records go through the <see cref="BatchRouter"/> (the one path to the
/// devices), the outputs become rows (scored against the job's labels when it has them), and the rows become the
/// shard's part. Every record gets exactly one row. A job with an <see cref="Extraction"/> also gets its further
/// columns and files (<see cref="ShardExtraction"/>); with <see cref="LongProteins.Window"/> a long protein goes to the
/// router as overlapping windows, combined again here (<see cref="ProteinStates"/>).
/// </summary>
internal sealed class ShardGrain(ILocalSiloDetails localSilo, BatchRouter router, JobFiguresFlusher flusher, ModelCatalog catalog, IOptions<ScreenOptions> screen) : Grain, IShardGrain
{
    public Task<string> LocateAsync() => Task.FromResult(localSilo.SiloAddress.ToParsableString());

    public async Task<PartResult> WritePartAsync(PartRequest request, CancellationToken cancellationToken = default)
    {
        var (_, records) = ShardRecordsFile.Read(request.RecordsFile);
        var temporary = PartFolder.CreateTemporary(request.PartsDirectory, request.ShardIndex);
        var extraction = request.Extract is { } extract ? new ShardExtraction(extract, temporary, screen.Value.StateRowGroupValues) : null;
        await using var extracted = extraction;

        // Residue states and contact maps go into the part's files as each batch is done; only the rows stay.
        var computed = await ComputeRowsAsync(request, records, extraction, cancellationToken);
        var byOrdinal = computed.Rows;
        await ReadRepeatedAsync(request, records, byOrdinal, extraction, cancellationToken);
        var labels = request.ScoreLabels && request.ClassNames is { } names ? new JobLabels(names) : null;
        var (actual, predicted) = (new List<int>(), new List<int>());
        var columns = request.ClassNames is { } classes && request.ScorePrefix is { } prefix ? new ScoreColumns(prefix, classes) : null;
        // Extracted columns can be many per row (two per layer): their row groups stay small enough to hold.
        var rowGroup = extraction is null ? Math.Max(1, records.Count) : Math.Clamp(records.Count, 1, 256);
        var writer = new ScreenResultWriter(temporary, columns, request.WithFeature, rowGroup, extraction?.VectorColumns, request.Extract?.Long == LongProteins.Window);
        var first = records.Count > 0 ? records[0].Ordinal : 0;
        var figures = screen.Value.ResultFigures;
        MapSketch? sketch = null;
        await using (writer)
        {
            foreach (var record in records)
            {
                var key = record.Sequence is null ? record.Original : record.Ordinal;
                var source = byOrdinal[key];
                var row = source with { Id = record.Id };
                if ((row.DeviceError ?? row.Error) is { } error)
                {
                    // The job's planner refused invalid records already; anything left is the devices' failure.
                    await writer.WriteFailureAsync(row.Id, row.Length, error, cancellationToken);
                    continue;
                }

                var foreign = record.Sequence is null && record.Original < first;
                var vectors = extraction is null ? null : foreign ? extraction.Vectors(source.Id) : computed.Vectors[key];
                await writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, row.Feature, columns is null ? null : row.Scores, vectors, row.Windows, cancellationToken);
                if (figures && row.Embedding is { Length: > 0 } embedding)
                {
                    (sketch ??= new MapSketch(embedding.Length, screen.Value.MapSketchRank, MapSketch.DefaultSeed)).Add(embedding);
                }

                if (extraction is not null && foreign)
                {
                    await extraction.WriteAsync(row.Id, source.Id, cancellationToken);
                }

                if (labels?.ClassOf(record.Label) is { } truth && row.Scores is { Length: > 0 } scores)
                {
                    actual.Add(truth);
                    predicted.Add(ZeroShotScorer.ArgMax(scores));
                }
            }

            await writer.CheckpointAsync(cancellationToken);
        }

        // The part's files are whole before it is published.
        if (extraction is not null)
        {
            await extraction.DisposeAsync();
        }

        // The silo pages a job's rows from this index without reading the whole table, and fixes the embedding map's
        // axes from the parts' sketches without reading their embeddings.
        if (figures)
        {
            await ResultsIndex.WriteAsync(temporary, cancellationToken);
            await (sketch ?? new MapSketch(0, screen.Value.MapSketchRank, MapSketch.DefaultSeed)).WriteAsync(temporary, cancellationToken);
        }

        var result = new PartResult(
            request.JobId, request.ShardIndex, first, records.Count, checked((int)writer.Rows), checked((int)writer.Failures), computed.Distinct, [.. actual], [.. predicted]);
        return await PartFolder.PublishAsync(temporary, request.PartsDirectory, result, cancellationToken);
    }

    // A record repeating a sequence of an earlier shard takes that shard's row from its part (the job runs a shard only
    // once the shards it repeats are done); one repeating a sequence of this shard takes it from this shard's rows.
    private static async Task ReadRepeatedAsync(
        PartRequest request, IReadOnlyList<PlannedRecord> records, Dictionary<long, ShardRow> byOrdinal, ShardExtraction? extraction, CancellationToken cancellationToken)
    {
        var first = records.Count > 0 ? records[0].Ordinal : 0;
        var planDirectory = Path.GetDirectoryName(request.RecordsFile)!;
        var foreign = records.Where(r => r.Sequence is null && r.Original < first).Select(r => r.Original).Distinct().ToList();
        foreach (var group in foreign.GroupBy(ordinal => checked((int)(ordinal / request.ShardSize))))
        {
            var (_, theirs) = ShardRecordsFile.Read(ShardRecordsFile.PathOf(planDirectory, group.Key));
            var idOf = theirs.ToDictionary(r => r.Ordinal, r => r.Id);
            var ids = group.Select(o => idOf[o]).ToHashSet(StringComparer.Ordinal);
            var part = PartFolder.PathOf(request.PartsDirectory, group.Key);
            var rows = await PartRows.ReadAsync(part, ids, request.WithFeature, request.ClassNames is not null, cancellationToken);
            if (extraction is not null)
            {
                await extraction.ReadRepeatedAsync(part, ids, cancellationToken);
            }

            foreach (var ordinal in group)
            {
                byOrdinal[ordinal] = rows.TryGetValue(idOf[ordinal], out var row)
                    ? row
                    : throw new InvalidDataException($"Part {group.Key} of job {request.JobId} has no row for record {idOf[ordinal]}, which record {ordinal} repeats.");
            }
        }
    }

    // The records whose sequence this shard computes (the planner gave every repeat of a sequence to its first record):
    // each one's row, and its further embedding columns when the job extracts. Its residue states and contact map are
    // written, under its id and those of the records of this shard repeating it, as soon as its batch is done (a long
    // protein's, once its last window is), and dropped: the shard holds the batches in flight, not all of its states.
    private async Task<ComputedRows> ComputeRowsAsync(
        PartRequest request, IReadOnlyList<PlannedRecord> records, ShardExtraction? extraction, CancellationToken cancellationToken)
    {
        var work = new RoutedWork(request.JobId, request.ModelDirectory, request.Priority, request.MaxDevices, request.MaxTokensPerBatch, request.MaxBatchSize, request.Outputs);
        var extract = request.Extract;
        var windowed = extract is { Long: LongProteins.Window } ? extract.WindowResidues : (int?)null;
        var firsts = records.Where(r => r.Sequence is not null).ToList();
        var first = records.Count > 0 ? records[0].Ordinal : 0;
        var repeatsOf = records.Where(r => r.Sequence is null && r.Original >= first).ToLookup(r => r.Original, r => r.Id);

        // A protein longer than the window goes to the router as its windows, each a sequence of its own, in a call that
        // asks for residue states; the others, in a call that asks only for what the job writes.
        var whole = new List<(string Sequence, int First)>();
        var windows = new List<(string Sequence, int First, int Window)>();
        var windowsOf = new IReadOnlyList<ResidueWindow>?[firsts.Count];
        for (var i = 0; i < firsts.Count; i++)
        {
            var sequence = firsts[i].Sequence!;
            if (windowed is { } window && Normalized(sequence) is { } normalized && normalized.Length > window)
            {
                var planned = ResidueWindows.Plan(normalized.Length, window);
                windowsOf[i] = planned;
                windows.AddRange(planned.Select((w, k) => (normalized.Substring(w.Start, w.Length), i, k)));
            }
            else
            {
                whole.Add((sequence, i));
            }
        }

        var scorer = request.Scoring is { } scoring
            ? new ZeroShotScorer(scoring.LabelFeatures, scoring.Labels, scoring.Width, scoring.LogitScale)
            : null;
        var maxResidues = extract is null ? 0 : catalog.Folder(request.ModelDirectory).Manifest.MaxResidues;
        var rows = new Dictionary<long, ShardRow>(firsts.Count + repeatsOf.Count);
        var vectors = new Dictionary<long, IReadOnlyList<float[]>>();
        var waiting = new Dictionary<int, (ResidueWindow, BatchOutputs, int)?[]>();
        using var gate = new SemaphoreSlim(1, 1);

        async Task KeepAsync(int i, ShardRow row, ProteinStates? states)
        {
            var ordinal = firsts[i].Ordinal;
            rows[ordinal] = row;
            if (extraction is null || states is null)
            {
                return;
            }

            vectors[ordinal] = extraction.Vectors(states);
            await extraction.WriteAsync(row.Id, states, cancellationToken);
            foreach (var id in repeatsOf[ordinal])
            {
                await extraction.WriteAsync(id, states, cancellationToken);
            }
        }

        async Task WholeAsync(IReadOnlyList<(int Index, RoutedSequence Result)> computed, CancellationToken token)
        {
            await gate.WaitAsync(token);
            try
            {
                foreach (var (index, result) in computed)
                {
                    var i = whole[index].First;
                    var id = firsts[i].Id;
                    if (result.Invalid is { } invalid)
                    {
                        await KeepAsync(i, new ShardRow(id, result.Length, false, null, invalid), null);
                    }
                    else if (result.Outputs is null)
                    {
                        await KeepAsync(i, new ShardRow(id, result.Length, result.Truncated, null, null, DeviceError: result.DeviceError), null);
                    }
                    else
                    {
                        var states = extract is null ? null : new ProteinStates(result.Outputs, result.Row, result.Truncated ? maxResidues : result.Length, extract.ModelLayers);

                        // Embedding and Head copy the sequence's row out of its batch's outputs: read each once.
                        var (embedding, head) = (result.Embedding, result.Head);
                        var row = scorer is null
                            ? new ShardRow(id, result.Length, result.Truncated, embedding, null, Scores: head)
                            : new ShardRow(id, result.Length, result.Truncated, embedding, null, head, scorer.Score(head ?? throw MissingFeature(request)));
                        await KeepAsync(i, row, states);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }

        async Task WindowedAsync(IReadOnlyList<(int Index, RoutedSequence Result)> computed, CancellationToken token)
        {
            await gate.WaitAsync(token);
            try
            {
                foreach (var (index, result) in computed)
                {
                    var (_, i, k) = windows[index];
                    var planned = windowsOf[i]!;
                    if (rows.ContainsKey(firsts[i].Ordinal))
                    {
                        // An earlier window of the protein failed; its row says so already.
                        continue;
                    }

                    if (result.Outputs is null)
                    {
                        waiting.Remove(i);
                        await KeepAsync(i, new ShardRow(firsts[i].Id, planned[^1].End, false, null, result.Invalid, DeviceError: result.DeviceError), null);
                        continue;
                    }

                    // The window's row alone is kept, not its batch, until the protein's other windows are done.
                    var parts = waiting.TryGetValue(i, out var found) ? found : waiting[i] = new (ResidueWindow, BatchOutputs, int)?[planned.Count];
                    parts[k] = (planned[k], result.Outputs.RowOf(result.Row), 0);
                    if (parts.Any(p => p is null))
                    {
                        continue;
                    }

                    waiting.Remove(i);
                    var combined = new ProteinStates([.. parts.Select(p => p!.Value)], extract!.ModelLayers);
                    await KeepAsync(i, new ShardRow(firsts[i].Id, planned[^1].End, false, combined.Mean(extract.ModelLayers), null, Windows: planned.Count), combined);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        var wholeRun = router.StreamAsync(work, [.. whole.Select(w => w.Sequence)], WholeAsync, cancellationToken);
        var windowedRun = windows.Count == 0
            ? Task.FromResult((0, TimeSpan.Zero))
            : router.StreamAsync(work with { Outputs = extract!.Outputs(windowed: true) }, [.. windows.Select(w => w.Sequence)], WindowedAsync, cancellationToken);
        await Task.WhenAll(wholeRun, windowedRun);
        var (wholeDistinct, _) = await wholeRun;
        var (windowDistinct, _) = await windowedRun;

        // The silo's figures for the job go out now rather than at the next interval, so a finished job's are whole.
        await flusher.FlushAsync(request.JobId, cancellationToken);
        var distinct = wholeDistinct + Math.Max(0, windowDistinct - windowsOf.Sum(w => w is { Count: var n } ? n - 1 : 0));
        return new ComputedRows(rows, vectors, distinct);
    }

    // The sequence as the tokenizer reads it, or null when it is not one (the router reports why).
    private static string? Normalized(string sequence)
    {
        try
        {
            return EsmTokenizer.Normalize(sequence);
        }
        catch (InvalidSequenceException)
        {
            return null;
        }
    }

    private static InvalidOperationException MissingFeature(PartRequest request) =>
        new($"Zero-shot scoring needs a ProtST zero-shot model, but '{request.ModelDirectory}' produced no protein feature.");

    /// <summary>What a shard computed: a row per record whose sequence it ran (by ordinal), their further embedding columns, and how many distinct sequences the devices ran.</summary>
    private sealed record ComputedRows(Dictionary<long, ShardRow> Rows, Dictionary<long, IReadOnlyList<float[]>> Vectors, int Distinct);
}
