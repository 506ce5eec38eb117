namespace ProtSt.Grains.Inference;

/// <summary>A simulated device's speed, output width and failures; bound from <c>Devices:Simulated</c>.</summary>
public sealed class SimulatedDeviceOptions
{
    /// <summary>
    /// Device time per padded token of a batch, in microseconds. The default, 20 µs (50,000 padded tokens/s, a 4,096-token
    /// batch in 82 ms), is about what a 650M-parameter encoder (ESM-2 650M, ProtST-ESM-1b: ≈ 1.3 GFLOP per token) gets
    /// from one data-centre GPU in fp16 at a realistic ~65 TFLOP/s sustained.
    /// </summary>
    public double MicrosecondsPerPaddedToken { get; set; } = 20;

    /// <summary>Fixed device time per batch (kernel launches, host-device copies), in milliseconds; 0 by default.</summary>
    public double BatchOverheadMilliseconds { get; set; }

    /// <summary>Width of the mean embedding returned per sequence (1,280 like ESM-2 650M and ESM-1b).</summary>
    public int EmbeddingWidth { get; set; } = 1280;

    /// <summary>Probability that a batch fails as a device error (after its device time), 0 to below 1.</summary>
    public double FailureRate { get; set; }

    /// <summary>Seeds each device's failure draws (mixed with the device key).</summary>
    public int Seed { get; set; }

    /// <summary>The device time a batch of <paramref name="paddedTokens"/> padded tokens takes.</summary>
    public TimeSpan TimeFor(long paddedTokens) =>
        TimeSpan.FromMicroseconds((BatchOverheadMilliseconds * 1000) + (MicrosecondsPerPaddedToken * paddedTokens));

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    public void Validate()
    {
        if (!(MicrosecondsPerPaddedToken >= 0) || !(BatchOverheadMilliseconds >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MicrosecondsPerPaddedToken), "Devices:Simulated times must be zero or positive.");
        }

        if (EmbeddingWidth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EmbeddingWidth), EmbeddingWidth, "Devices:Simulated:EmbeddingWidth must be at least 1.");
        }

        if (!(FailureRate >= 0 && FailureRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FailureRate), FailureRate, "Devices:Simulated:FailureRate must be at least 0 and below 1.");
        }
    }
}
