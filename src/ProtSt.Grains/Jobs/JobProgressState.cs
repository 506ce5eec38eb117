namespace ProtSt.Grains.Jobs;

/// <summary>What <see cref="JobProgressGrain"/> stores.</summary>
[GenerateSerializer]
public sealed class JobProgressState
{
    [Id(0)]
    public JobProgress? Progress { get; set; }
}
