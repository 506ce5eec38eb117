using ProtSt.Model.Tokenization;

namespace ProtSt.Grains.Tests.Support;

/// <summary>ONNX Runtime devices that also wait <see cref="Delay"/> per batch, so a small job lasts long enough to kill silos under it.</summary>
public sealed class SlowBackendFactory : BeforeRunBackendFactory
{
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(150);

    protected override void BeforeRun(EncodedBatch batch) => Thread.Sleep(Delay);
}
