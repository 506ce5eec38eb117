using Microsoft.Extensions.Options;
using ProtSt.Grains;
using ProtSt.Grains.Hosting;
using ProtSt.Grains.Inference;
using ProtSt.Silo.Membership;

namespace ProtSt.Silo;

/// <summary>
/// Decides /readyz: the silo is an active member (in a Redis cluster: its row is in the membership table), the directory
/// lists its devices, each device grain answers, and
/// the preloaded model (if one is configured) is open on all of them.
/// </summary>
internal sealed class SiloReadiness(
    IClusterMembershipService membership, ILocalSiloDetails silo, IGrainFactory grains, IOptions<DeviceOptions> devices, DevicePreload preload,
    MembershipRejoin? rejoin = null)
{
    // A probe must answer quickly; a cluster that cannot answer a read within this is not ready to take work.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return Readiness.No($"silo is {status}, not an active member");
        }

        // Orleans' own view of the membership keeps saying active when the store lost the table; clients find the
        // silo only through the table.
        if (rejoin?.Problem is { } problem)
        {
            return Readiness.No(problem);
        }

        var address = silo.SiloAddress.ToParsableString();
        var expected = Enumerable.Range(0, devices.Value.Count).Select(i => DeviceKey.Create(address, i)).ToList();
        try
        {
            var listed = await grains.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(CallTimeout, cancellationToken);
            var missing = expected.Except(listed, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                return Readiness.No($"devices not registered with the directory yet: {string.Join(", ", missing)}");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Readiness.No($"the device directory does not answer: {e.Message}");
        }

        foreach (var key in expected)
        {
            try
            {
                _ = await grains.GetGrain<IDeviceGrain>(key).GetStatsAsync().WaitAsync(CallTimeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Readiness.No($"device {key} does not answer: {e.Message}");
            }
        }

        return preload.Loaded ? Readiness.Yes
            : preload.Error is { } error ? Readiness.No($"preloading {preload.Model} failed (retrying): {error}")
            : Readiness.No($"preloading {preload.Model} on {expected.Count} device(s)");
    }
}
