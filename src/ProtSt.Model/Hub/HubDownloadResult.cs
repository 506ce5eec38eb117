namespace ProtSt.Model.Hub;

/// <summary>What a download fetched (or found already verified), and under which name the hub knows the repository now.</summary>
/// <param name="Repository">The repository's current id: the requested one, or the new name a renamed repository redirected to.</param>
/// <param name="Files">The files, as paths relative to the output folder, in the order they were fetched.</param>
public sealed record HubDownloadResult(string Repository, IReadOnlyList<string> Files)
{
    /// <summary>Whether the hub redirected the requested id to another (a renamed repository).</summary>
    public bool Renamed(string requested) => !string.Equals(requested, Repository, StringComparison.Ordinal);
}
