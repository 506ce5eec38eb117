using System.Diagnostics;
using ProtSt.Pipeline;

namespace ProtSt.Bench.Scale;

/// <summary>How many rows per second the result writer alone takes at a given embedding width, on this machine.</summary>
internal static class WriterCapacity
{
    public static async Task<double> MeasureAsync(string directory, int rows, int width)
    {
        var vectors = Enumerable.Range(0, 64).Select(i => Enumerable.Range(0, width).Select(j => (float)Math.Sin(i + (j * 0.01))).ToArray()).ToArray();
        var stopwatch = Stopwatch.StartNew();
        await using (var writer = new ScreenResultWriter(directory))
        {
            for (var i = 0; i < rows; i++)
            {
                await writer.WriteAsync($"W{i:D7}", 400, false, vectors[i % vectors.Length], CancellationToken.None);
            }
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        Directory.Delete(directory, recursive: true);
        return rows / seconds;
    }
}
