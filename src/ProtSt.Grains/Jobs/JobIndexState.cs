namespace ProtSt.Grains.Jobs;

/// <summary>What <see cref="JobIndexGrain"/> stores: job ids in submission order, which are unfinished, and the output folders they hold.</summary>
[GenerateSerializer]
public sealed class JobIndexState
{
    [Id(0)]
    public List<string> Jobs { get; set; } = [];

    [Id(1)]
    public HashSet<string> Unfinished { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Output folders (resolved) held by unfinished jobs, and the job holding each.</summary>
    [Id(2)]
    public Dictionary<string, FolderClaim> Folders { get; set; } = new(StringComparer.Ordinal);
}
