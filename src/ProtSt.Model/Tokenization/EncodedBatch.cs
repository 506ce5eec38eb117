namespace ProtSt.Model.Tokenization;

/// <summary>Sequences padded to a common length, laid out row-major as the encoder's <c>input_ids</c> and <c>attention_mask</c>.</summary>
public sealed class EncodedBatch
{
    private EncodedBatch(long[] inputIds, long[] attentionMask, int batchSize, int sequenceLength, long realTokens)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        RealTokens = realTokens;
    }

    public long[] InputIds { get; }

    public long[] AttentionMask { get; }

    public int BatchSize { get; }

    public int SequenceLength { get; }

    /// <summary>Tokens that are not padding.</summary>
    public long RealTokens { get; }

    public long PaddedTokens => (long)BatchSize * SequenceLength;

    /// <summary>Wraps arrays that are already padded (e.g. received from another node), checking that they fit together.</summary>
    public static EncodedBatch FromPadded(long[] inputIds, long[] attentionMask, int batchSize, int sequenceLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        if (inputIds.LongLength != (long)batchSize * sequenceLength || attentionMask.LongLength != inputIds.LongLength)
        {
            throw new ArgumentException(
                $"A {batchSize} x {sequenceLength} batch needs {batchSize * sequenceLength} ids and mask values, got {inputIds.Length} and {attentionMask.Length}.");
        }

        return new EncodedBatch(inputIds, attentionMask, batchSize, sequenceLength, attentionMask.Sum());
    }

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1 as a batch of their own,
    /// padded to this batch's length, so its outputs have this batch's shape (a device runs a long batch in slices).
    /// </summary>
    public EncodedBatch Rows(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, BatchSize);
        var range = new Range(start * SequenceLength, (start + count) * SequenceLength);
        var mask = AttentionMask[range];
        return new EncodedBatch(InputIds[range], mask, count, SequenceLength, mask.Sum());
    }

    public static EncodedBatch Create(IReadOnlyList<EncodedSequence> sequences, int padId)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequences.Count);
        var length = sequences.Max(s => s.Length);
        var ids = new long[sequences.Count * length];
        var mask = new long[ids.Length];
        Array.Fill(ids, padId);
        long real = 0;
        for (var b = 0; b < sequences.Count; b++)
        {
            var row = sequences[b].Ids;
            row.CopyTo(ids, b * length);
            mask.AsSpan(b * length, row.Length).Fill(1);
            real += row.Length;
        }

        return new EncodedBatch(ids, mask, sequences.Count, length, real);
    }
}
