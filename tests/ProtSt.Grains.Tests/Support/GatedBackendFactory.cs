using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>ONNX Runtime devices whose batches wait at a gate the test opens, so a batch can be caught in flight.</summary>
public sealed class GatedBackendFactory : BeforeRunBackendFactory
{
    private static TaskCompletionSource _entered = NewSignal();
    private static TaskCompletionSource _gate = NewSignal();

    /// <summary>Set when a batch reaches the gate.</summary>
    public static Task Entered => _entered.Task;

    /// <summary>Closes the gate for the batches that come next.</summary>
    public static void Close() => (_entered, _gate) = (NewSignal(), NewSignal());

    public static void Open() => _gate.TrySetResult();

    protected override async ValueTask BeforeRunAsync(EncodedBatch batch, CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
