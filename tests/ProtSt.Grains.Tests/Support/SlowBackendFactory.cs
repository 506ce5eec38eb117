using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>ONNX Runtime devices that also wait <see cref="Delay"/> per batch, so a small job lasts long enough to kill silos under it.</summary>
public sealed class SlowBackendFactory : BeforeRunBackendFactory
{
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(150);

    // Waiting, not sleeping: a blocked thread-pool thread per device starves the silos on a 2-core machine.
    protected override ValueTask BeforeRunAsync(EncodedBatch batch, CancellationToken cancellationToken) =>
        new(Task.Delay(Delay, cancellationToken));
}
