namespace ProtSt.Grains;

/// <summary>A delta sent to the aggregator after each batch.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchReport(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] int Sequences,
    [property: Id(2)] long Residues,
    [property: Id(3)] long RealTokens,
    [property: Id(4)] long PaddedTokens,
    [property: Id(5)] TimeSpan Busy,
    [property: Id(6)] string Accelerator = "")
{
    /// <summary>A planned batch no device computed (its one sequence failed on every device): it leaves the queue and adds to no device's figures.</summary>
    public static BatchReport NotComputed { get; } = new(string.Empty, 0, 0, 0, 0, TimeSpan.Zero);

    /// <summary>False for <see cref="NotComputed"/>: no device is named, so no device is credited.</summary>
    public bool Computed => DeviceKey.Length > 0;
}
