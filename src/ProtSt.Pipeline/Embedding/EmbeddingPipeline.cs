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
        MaxPaddingFraction = options.MaxPaddingFraction,
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
        var chunk = new List<(SequenceRecord Record, EncodedSequence Encoded)>(options.ChunkSize);
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            // Tokenize on arrival so problems are reported, and a failing run stops, in input order.
            EncodedSequence encoded;
            try
            {
                encoded = tokenizer.Encode(record.Sequence);
            }
            catch (InvalidSequenceException e)
            {
                var problem = new InputProblem(record.SourceFile, record.Line, record.Id, e.Message);
                if (options.OnInvalid == InvalidRecordPolicy.Fail)
                {
                    throw new InvalidInputException(problem);
                }

                onProblem?.Invoke(problem);
                totals = totals with { Skipped = totals.Skipped + 1 };
                continue;
            }

            chunk.Add((record, encoded));
            if (chunk.Count == options.ChunkSize)
            {
                totals = await EmbedChunkAsync(chunk, writer, totals, started, progress, cancellationToken);
                chunk.Clear();
            }
        }

        if (chunk.Count > 0)
        {
            totals = await EmbedChunkAsync(chunk, writer, totals, started, progress, cancellationToken);
        }

        return totals with { Elapsed = TimeProvider.System.GetElapsedTime(started) };
    }

    private async Task<EmbeddingSummary> EmbedChunkAsync(
        List<(SequenceRecord Record, EncodedSequence Encoded)> chunk,
        IEmbeddingWriter writer,
        EmbeddingSummary totals,
        long started,
        IProgress<EmbeddingSummary>? progress,
        CancellationToken cancellationToken)
    {
        var embeddings = new float[chunk.Count][];
        var hidden = session.HiddenSize;
        foreach (var planned in _planner.Plan(chunk.Select(c => c.Encoded.Length).ToList()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = EncodedBatch.Create(planned.Indices.Select(i => chunk[i].Encoded).ToList(), tokenizer.PadId);

            // ONNX Runtime blocks its calling thread for the whole batch; keep that off the caller's context.
            var output = await Task.Run(() => session.Run(batch), cancellationToken);
            for (var row = 0; row < planned.Indices.Count; row++)
            {
                embeddings[planned.Indices[row]] = output.Pooled.AsSpan(row * hidden, hidden).ToArray();
            }

            totals = totals with
            {
                Sequences = totals.Sequences + planned.Indices.Count,
                Residues = totals.Residues + planned.Indices.Sum(i => (long)chunk[i].Encoded.ResidueCount),
                RealTokens = totals.RealTokens + batch.RealTokens,
                PaddedTokens = totals.PaddedTokens + batch.PaddedTokens,
                Elapsed = TimeProvider.System.GetElapsedTime(started),
            };
            progress?.Report(totals);
        }

        for (var i = 0; i < chunk.Count; i++)
        {
            await writer.WriteAsync(chunk[i].Record.Id, embeddings[i], cancellationToken);
        }

        return totals;
    }
}
