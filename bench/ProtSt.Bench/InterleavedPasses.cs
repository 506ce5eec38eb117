using System.Diagnostics;
using System.Globalization;

namespace ProtSt.Bench;

/// <summary>Runs alternatives in turn, pass after pass, so drift in the machine's load falls on all of them alike.</summary>
internal static class InterleavedPasses
{
    /// <summary>Mean seconds per pass of each method, in their order; each pass's time goes to stderr as it ends.</summary>
    public static async Task<double[]> MeasureAsync(IReadOnlyList<(string Name, Func<Task> Run)> methods, int repeats)
    {
        var seconds = new double[methods.Count];
        for (var r = 0; r < repeats; r++)
        {
            for (var m = 0; m < methods.Count; m++)
            {
                var stopwatch = Stopwatch.StartNew();
                await methods[m].Run();
                seconds[m] += stopwatch.Elapsed.TotalSeconds / repeats;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pass {r + 1}: {methods[m].Name}: {stopwatch.Elapsed.TotalSeconds:F1} s"));
            }
        }

        return seconds;
    }
}
