using System.Collections.Concurrent;
using System.Diagnostics;

namespace ProtSt.Testing;

/// <summary>
/// Counts grain calls per interface method in every silo of this process (a <see cref="SimulatedCluster"/> started with call timings) and sums the time each spent in
/// its grain (from the start of its turn to its end; queueing before the turn is not included).
/// </summary>
public sealed class CallTimings : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, Entry> Entries = new(StringComparer.Ordinal);

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var entry = Entries.GetOrAdd($"{context.InterfaceName}.{context.MethodName}", _ => new Entry());
            Interlocked.Increment(ref entry.Calls);
            Interlocked.Add(ref entry.Ticks, Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>Calls and seconds in grain of the methods of interfaces whose name ends with <paramref name="interfaceSuffix"/>.</summary>
    public static (long Calls, double Seconds) Of(string interfaceSuffix, string? method = null)
    {
        long calls = 0, ticks = 0;
        foreach (var (key, entry) in Entries)
        {
            var dot = key.LastIndexOf('.');
            if (key[..dot].EndsWith(interfaceSuffix, StringComparison.Ordinal) && (method is null || key[(dot + 1)..] == method))
            {
                calls += Interlocked.Read(ref entry.Calls);
                ticks += Interlocked.Read(ref entry.Ticks);
            }
        }

        return (calls, (double)ticks / Stopwatch.Frequency);
    }

    public static void Reset() => Entries.Clear();

    private sealed class Entry
    {
        public long Calls;
        public long Ticks;
    }
}
