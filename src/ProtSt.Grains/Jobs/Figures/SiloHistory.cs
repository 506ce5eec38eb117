namespace ProtSt.Grains.Jobs.Figures;

/// <summary>
/// The silos a job has seen: those in the cluster when it started, those that joined while it ran, and when any of
/// them left. Membership changes are noticed whenever the aggregator hears from the job, at least once a second while
/// anyone watches it.
/// </summary>
internal sealed class SiloHistory
{
    private readonly Dictionary<string, SiloPresence> _silos = new(StringComparer.Ordinal);
    private MembershipVersion? _seen;

    public IReadOnlyList<SiloPresence> Silos => [.. _silos.Values.OrderBy(s => s.Joined).ThenBy(s => s.Address, StringComparer.Ordinal)];

    public void Observe(ClusterMembershipSnapshot snapshot, DateTimeOffset now)
    {
        if (_seen == snapshot.Version)
        {
            return;
        }

        var atStart = _seen is null;
        _seen = snapshot.Version;
        foreach (var member in snapshot.Members.Values)
        {
            var address = member.SiloAddress.ToParsableString();
            var gone = member.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead;
            if (!_silos.TryGetValue(address, out var known))
            {
                // Dead entries of earlier runs stay in the membership table for a while; they were never part of this job.
                if (!gone)
                {
                    _silos[address] = new SiloPresence(address, member.Name, member.Status.ToString(), now, atStart, null);
                }
            }
            else if (known.Status != member.Status.ToString())
            {
                _silos[address] = known with { Status = member.Status.ToString(), Left = known.Left ?? (gone ? now : null) };
            }
        }
    }
}
