using System.Collections.Immutable;
using System.Net;
using ProtSt.Grains.Jobs.Figures;

namespace ProtSt.Grains.Tests;

/// <summary>How a job records silos joining and leaving from the membership snapshots it sees.</summary>
public sealed class SiloHistoryTests
{
    private static readonly SiloAddress A = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress B = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 2);
    private static readonly SiloAddress Old = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11113), 0);

    [Fact]
    public void Joins_and_leaves_are_dated_and_old_dead_entries_ignored()
    {
        var history = new SiloHistory();
        var start = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        history.Observe(Snapshot(1, (A, SiloStatus.Active), (Old, SiloStatus.Dead)), start);
        history.Observe(Snapshot(2, (A, SiloStatus.Active), (B, SiloStatus.Active), (Old, SiloStatus.Dead)), start.AddSeconds(5));
        history.Observe(Snapshot(3, (A, SiloStatus.Active), (B, SiloStatus.ShuttingDown), (Old, SiloStatus.Dead)), start.AddSeconds(9));
        history.Observe(Snapshot(4, (A, SiloStatus.Active), (B, SiloStatus.Dead), (Old, SiloStatus.Dead)), start.AddSeconds(12));

        Assert.Equal(
            [
                new SiloPresence(A.ToParsableString(), "silo-a", "Active", start, true, null),
                new SiloPresence(B.ToParsableString(), "silo-b", "Dead", start.AddSeconds(5), false, start.AddSeconds(9)),
            ],
            history.Silos);
    }

    private static ClusterMembershipSnapshot Snapshot(long version, params (SiloAddress Silo, SiloStatus Status)[] members) =>
        new(
            members.ToImmutableDictionary(m => m.Silo, m => new ClusterMember(m.Silo, m.Status, m.Silo == A ? "silo-a" : m.Silo == B ? "silo-b" : "old")),
            new MembershipVersion(version));
}
