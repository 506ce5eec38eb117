namespace ProtSt.Grains.Hosting;

/// <summary>The silos that are active members now, by parsable address: what directories filter their entries by.</summary>
internal static class ActiveSilos
{
    public static HashSet<string> Of(IClusterMembershipService membership) => Of(membership.CurrentSnapshot);

    public static HashSet<string> Of(ClusterMembershipSnapshot snapshot) =>
        snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
}
