namespace ProtSt.Grains.Inference;

/// <summary>The order in which a device serves the batches waiting on it; <c>Devices:Scheduling</c> in configuration.</summary>
public enum DeviceScheduling
{
    /// <summary>The jobs waiting on the device take turns, in proportion to their weights, by padded tokens (the default).</summary>
    Fair,

    /// <summary>Arrival order across all jobs (what a non-reentrant grain did before): kept to measure fair sharing against.</summary>
    Fifo,
}
