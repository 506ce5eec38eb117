namespace ProtSt.Grains.Jobs;

/// <summary>What <see cref="JobIndexGrain"/> stores: job ids in submission order, and which are unfinished.</summary>
[GenerateSerializer]
public sealed class JobIndexState
{
    [Id(0)]
    public List<string> Jobs { get; set; } = [];

    [Id(1)]
    public HashSet<string> Unfinished { get; set; } = new(StringComparer.Ordinal);
}
