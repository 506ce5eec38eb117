using System.Globalization;

namespace ProtSt.Bench;

/// <summary>What Linux's /proc tells of the machine's load and a process's CPU time; NaN where there is no /proc.</summary>
internal static class ProcStat
{
    // /proc counts CPU time in USER_HZ ticks, which the kernel fixes at 100 per second for user space on every architecture.
    private const double TicksPerSecond = 100;

    /// <summary>The machine's 1-minute load average.</summary>
    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    /// <summary>User plus system CPU seconds of a running process (fields 14 and 15 of /proc/pid/stat).</summary>
    public static double CpuSeconds(int pid) => Ticks($"/proc/{pid}/stat", 14, 15);

    /// <summary>
    /// User plus system CPU seconds of this process's children that have ended and been waited for (fields 16 and 17
    /// of /proc/self/stat): the difference around one child's life is that child's whole CPU time.
    /// </summary>
    public static double EndedChildrenCpuSeconds() => Ticks("/proc/self/stat", 16, 17);

    private static double Ticks(string path, int user, int system)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }

        // Field 2 (the command name) may hold spaces: count fields from the ')' that closes it, where field 3 starts.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[user - 3], CultureInfo.InvariantCulture) + long.Parse(fields[system - 3], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
