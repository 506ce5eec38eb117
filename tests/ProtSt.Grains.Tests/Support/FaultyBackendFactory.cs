using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>
/// ONNX Runtime devices with injected faults: a batch of more than <see cref="MaxRows"/> rows fails as if out of memory,
/// and any batch holding a sequence of exactly <see cref="PoisonResidues"/> residues fails as an ONNX Runtime error.
/// </summary>
public sealed class FaultyBackendFactory : BeforeRunBackendFactory
{
    public const int MaxRows = 8;
    public const int PoisonResidues = 123;

    protected override ValueTask BeforeRunAsync(EncodedBatch batch, CancellationToken cancellationToken)
    {
        if (batch.BatchSize > MaxRows)
        {
            throw new InvalidOperationException($"injected: out of memory on {batch.BatchSize} rows");
        }

        for (var row = 0; row < batch.BatchSize; row++)
        {
            // <cls> and <eos> are real tokens too.
            var real = batch.AttentionMask.AsSpan(row * batch.SequenceLength, batch.SequenceLength).IndexOf(0L) switch
            {
                -1 => batch.SequenceLength,
                var n => n,
            };
            if (real == PoisonResidues + 2)
            {
                throw new InvalidOperationException("injected: ONNX Runtime error\ton a poison sequence");
            }
        }

        return ValueTask.CompletedTask;
    }
}
