using ProtSt.Grains.Inference;
using ProtSt.Grains.Jobs.Figures;
using ProtSt.Grains.Jobs.Parts;
using ProtSt.Model.Inference;
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
internal sealed class ShardGrain(ILocalSiloDetails localSilo, BatchRouter router, JobFiguresFlusher flusher, ModelCatalog catalog) : Grain, IShardGrain
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

        var temporary = PartFolder.CreateTemporary(request.PartsDirectory, request.ShardIndex);
        var extraction = request.Extract is { } extract ? new ShardExtraction(extract, temporary) : null;
        await using var extracted = extraction;
        await ReadRepeatedAsync(request, records, byOrdinal, extraction, cancellationToken);
        var labels = request.ScoreLabels && request.ClassNames is { } names ? new JobLabels(names) : null;
        var (actual, predicted) = (new List<int>(), new List<int>());
        var columns = request.ClassNames is { } classes && request.ScorePrefix is { } prefix ? new ScoreColumns(prefix, classes) : null;
        // Extracted columns can be many per row (two per layer): their row groups stay small enough to hold.
        var rowGroup = extraction is null ? Math.Max(1, records.Count) : Math.Clamp(records.Count, 1, 256);
        var writer = new ScreenResultWriter(temporary, columns, request.WithFeature, rowGroup, extraction?.VectorColumns, request.Extract?.Long == LongProteins.Window);
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

                var states = computed.States.GetValueOrDefault(key);
                var vectors = extraction is null ? null : states is null ? extraction.Vectors(source.Id) : extraction.Vectors(states);
                await writer.WriteAsync(row.Id, row.Length, row.Truncated, row.Embedding, row.Feature, columns is null ? null : row.Scores, vectors, row.Windows, cancellationToken);
                if (extraction is not null)
                {
                    await (states is null ? extraction.WriteAsync(row.Id, source.Id, cancellationToken) : extraction.WriteAsync(row.Id, states, cancellationToken));
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

        // The silo pages a job's rows from this index without reading the whole table.
        await ResultsIndex.WriteAsync(temporary, cancellationToken);

        var result = new PartResult(
            request.JobId, request.ShardIndex, records.Count > 0 ? records[0].Ordinal : 0, records.Count, checked((int)writer.Rows), checked((int)writer.Failures), computed.Distinct, [.. actual], [.. predicted]);
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

    // The records whose sequence this shard computes (the planner gave every repeat of a sequence to its first record),
    // with each one's states when the job extracts more than the mean embedding.
    private async Task<(ShardRow[] Rows, Dictionary<long, ProteinStates> States, int Distinct)> ComputeRowsAsync(
        PartRequest request, List<PlannedRecord> firsts, CancellationToken cancellationToken)
    {
        var work = new RoutedWork(request.JobId, request.ModelDirectory, request.Priority, request.MaxDevices, request.MaxTokensPerBatch, request.MaxBatchSize, request.Outputs);
        var extraction = request.Extract;
        var windowed = extraction is { Long: LongProteins.Window } ? extraction.WindowResidues : (int?)null;

        // A protein longer than the window goes to the router as its windows, each a sequence of its own.
        var pieces = new List<string>(firsts.Count);
        var windowsOf = new (int First, IReadOnlyList<ResidueWindow>? Windows)[firsts.Count];
        for (var i = 0; i < firsts.Count; i++)
        {
            var sequence = firsts[i].Sequence!;
            var windows = windowed is { } window && Normalized(sequence) is { } normalized && normalized.Length > window ? ResidueWindows.Plan(normalized.Length, window) : null;
            windowsOf[i] = (pieces.Count, windows);
            if (windows is null)
            {
                pieces.Add(sequence);
            }
            else
            {
                pieces.AddRange(windows.Select(w => Normalized(sequence)!.Substring(w.Start, w.Length)));
            }
        }

        var routed = await router.RunAsync(work, pieces, cancellationToken);

        // The silo's figures for the job go out now rather than at the next interval, so a finished job's are whole.
        await flusher.FlushAsync(request.JobId, cancellationToken);
        var scorer = request.Scoring is { } scoring
            ? new ZeroShotScorer(scoring.LabelFeatures, scoring.Labels, scoring.Width, scoring.LogitScale)
            : null;
        var maxResidues = extraction is null ? 0 : catalog.Folder(request.ModelDirectory).Manifest.MaxResidues;
        var rows = new ShardRow[firsts.Count];
        var states = new Dictionary<long, ProteinStates>();
        for (var i = 0; i < rows.Length; i++)
        {
            var id = firsts[i].Id;
            var (first, windows) = windowsOf[i];
            if (windows is not null)
            {
                var results = routed.Sequences.Skip(first).Take(windows.Count).ToList();
                var residues = windows[^1].End;
                if (results.FirstOrDefault(r => r.Outputs is null) is { } failed)
                {
                    rows[i] = new ShardRow(id, residues, false, null, failed.Invalid, DeviceError: failed.DeviceError);
                    continue;
                }

                var combined = new ProteinStates([.. windows.Select((w, k) => (w, results[k].Outputs!, results[k].Row))], extraction!.ModelLayers);
                states[firsts[i].Ordinal] = combined;
                rows[i] = new ShardRow(id, residues, false, combined.Mean(extraction.ModelLayers), null, Windows: windows.Count);
                continue;
            }

            var result = routed.Sequences[first];
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

            if (extraction is not null)
            {
                states[firsts[i].Ordinal] = new ProteinStates(result.Outputs, result.Row, result.Truncated ? maxResidues : result.Length, extraction.ModelLayers);
            }

            // Embedding and Head copy the sequence's row out of its batch's outputs: read each once.
            var (embedding, head) = (result.Embedding, result.Head);
            rows[i] = scorer is null
                ? new ShardRow(id, result.Length, result.Truncated, embedding, null, Scores: head)
                : new ShardRow(id, result.Length, result.Truncated, embedding, null, head, scorer.Score(head ?? throw MissingFeature(request)));
        }

        return (rows, states, Math.Max(0, routed.Distinct - windowsOf.Sum(w => w.Windows is { Count: var n } ? n - 1 : 0)));
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
}
