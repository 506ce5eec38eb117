using System.IO.Hashing;
using System.Text;

namespace ProtSt.Grains.Inference;

/// <summary>
/// The devices a job held to <c>--max-devices</c> N uses: the N with the highest rendezvous score of (job id, device
/// key), so every shard of the job picks the same ones without asking anyone, and when a device leaves only it is
/// replaced (by the next in the job's order) while the others stay. Different jobs get different devices.
/// </summary>
internal static class JobDevices
{
    /// <summary>The devices of <paramref name="available"/> the job uses: all of them when <paramref name="maxDevices"/> is 0 (or less).</summary>
    public static IReadOnlyList<string> Choose(string jobId, IEnumerable<string> available, int maxDevices) =>
        maxDevices <= 0
            ? available.ToList()
            : available.OrderByDescending(device => Score(jobId, device)).ThenBy(device => device, StringComparer.Ordinal).Take(maxDevices).ToList();

    /// <summary>How many devices the job uses when <paramref name="available"/> are registered.</summary>
    public static int Count(int available, int maxDevices) => maxDevices <= 0 ? available : Math.Min(available, maxDevices);

    private static ulong Score(string jobId, string device)
    {
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(jobId + "\n" + device));
    }
}
