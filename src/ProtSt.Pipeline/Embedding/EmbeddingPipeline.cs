using ProtSt.Model.Inference;
using ProtSt.Model.Tokenization;

namespace ProtSt.Pipeline;

/// <summary>
/// Embeds a stream of sequences on one local session: reads a chunk, tokenizes it, plans batches under the token
/// budget, runs them, and writes the chunk's rows in input order. Memory is bounded by the chunk, not the input.
/// </summary>
public sealed class EmbeddingPipeline(EncoderSession session, EsmTokenizer tokenizer, EmbeddingPipelineOptions options)
{
    private readonly TokenBudgetBatchPlanner _planner = new(new BatchPlannerOptions
    {
        MaxTokensPerBatch = options.MaxTokensPerBatch,
        MaxBatchSize = options.MaxBatchSize,
    });

    public async Task<EmbeddingSummary> RunAsync(
        IAsyncEnumerable<SequenceRecord> records,
        IEmbeddingWriter writer,
        IProgress<EmbeddingSummary>? progress,
        Action<InputProblem>? onProblem,
        CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var totals = new EmbeddingSummary(0, 0, 0, 0, 0, TimeSpan.Zero);
        var chunk = new List<SequenceRecord>(options.ChunkSize);
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            chunk.Add(record);
            if (chunk.Count == options.ChunkSize)
            {
                totals = await EmbedChunkAsync(chunk, writer, totals, started, progress, onProblem, cancellationToken);
                chunk.Clear();
            }
        }

        if (chunk.Count > 0)
        {
            totals = await EmbedChunkAsync(chunk, writer, totals, started, progress, onProblem, cancellationToken);
        }

        return totals with { Elapsed = TimeProvider.System.GetElapsedTime(started) };
    }

    private async Task<EmbeddingSummary> EmbedChunkAsync(
        List<SequenceRecord> chunk,
        IEmbeddingWriter writer,
        EmbeddingSummary totals,
        long started,
        IProgress<EmbeddingSummary>? progress,
        Action<InputProblem>? onProblem,
        CancellationToken cancellationToken)
    {
        var encoded = new EncodedSequence?[chunk.Count];
        var valid = new List<int>(chunk.Count);
        var skipped = 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            try
            {
                encoded[i] = tokenizer.Encode(chunk[i].Sequence);
                valid.Add(i);
            }
            catch (InvalidSequenceException e)
            {
                var problem = new InputProblem(chunk[i].SourceFile, chunk[i].Line, chunk[i].Id, e.Message);
                if (options.OnInvalid == InvalidRecordPolicy.Fail)
                {
                    throw new InvalidInputException(problem);
                }

                onProblem?.Invoke(problem);
                skipped++;
            }
        }

        var embeddings = new float[chunk.Count][];
        var hidden = session.HiddenSize;
        foreach (var planned in _planner.Plan(valid.Select(i => encoded[i]!.Length).ToList()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var members = planned.Indices.Select(j => valid[j]).ToList();
            var batch = EncodedBatch.Create(members.Select(i => encoded[i]!).ToList(), tokenizer.PadId);

            // ONNX Runtime blocks its calling thread for the whole batch; keep that off the caller's context.
            var output = await Task.Run(() => session.Run(batch), cancellationToken);
            for (var row = 0; row < members.Count; row++)
            {
                embeddings[members[row]] = output.MeanResidueEmbeddings.AsSpan(row * hidden, hidden).ToArray();
            }

            totals = totals with
            {
                Sequences = totals.Sequences + members.Count,
                Residues = totals.Residues + members.Sum(i => (long)encoded[i]!.ResidueCount),
                RealTokens = totals.RealTokens + batch.RealTokens,
                PaddedTokens = totals.PaddedTokens + batch.PaddedTokens,
                Elapsed = TimeProvider.System.GetElapsedTime(started),
            };
            progress?.Report(totals);
        }

        foreach (var i in valid)
        {
            await writer.WriteAsync(chunk[i].Id, embeddings[i], cancellationToken);
        }

        return totals with { Skipped = totals.Skipped + skipped };
    }
}
