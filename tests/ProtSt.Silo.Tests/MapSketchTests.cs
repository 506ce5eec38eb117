using ProtSt.Grains.Jobs;
using ProtSt.Model.Tests.Support;
using ProtSt.Pipeline;
using ProtSt.Silo.JobOutputs;

namespace ProtSt.Silo.Tests;

/// <summary>
/// map.sketch: the parts' sketches combine into the sketch of all their rows (and assembly writes that one), and the
/// axes the sketches give (at the default rank) span, within the tolerance docs/monitoring.md states, the plane of an exact PCA
/// (99.8% of its variance measured here).
/// </summary>
public sealed class MapSketchTests : IDisposable
{
    private const int Width = 320;
    private static readonly int Rank = new ScreenOptions().MapSketchRank;
    private readonly TempDirectory _scratch = new();

    [Fact]
    public async Task Sketches_of_parts_give_the_exact_pca_plane_within_its_tolerance_and_assembly_keeps_their_axes()
    {
        // Rows like a protein model's mean embeddings: a large common offset and a spectrum that falls as 1/j in a
        // random basis (the sketch's Ω is rotation-invariant, so a basis is as good as any other).
        var random = new Random(11);
        var basis = RandomOrthonormal(random, 24);
        var offset = Enumerable.Range(0, Width).Select(_ => (random.NextDouble() * 10) - 5).ToArray();
        float[] Row()
        {
            var row = offset.ToArray();
            for (var j = 0; j < basis.Length; j++)
            {
                var weight = Gaussian(random) / Math.Sqrt(j + 1);
                for (var i = 0; i < Width; i++)
                {
                    row[i] += weight * basis[j][i];
                }
            }

            // Isotropic noise below the signal, as the tail of a real spectrum.
            return [.. row.Select(v => (float)(v + (0.05 * Gaussian(random))))];
        }

        var partRows = new[] { 300, 0, 500, 1 }.Select(n => Enumerable.Range(0, n).Select(_ => Row()).ToList()).ToList();
        var exact = new PcaAccumulator(Width);
        var parts = new List<string>();
        foreach (var rows in partRows)
        {
            var part = _scratch.Combine("parts", $"shard-{parts.Count:D6}");
            Directory.CreateDirectory(part);
            var sketch = new MapSketch(rows.Count == 0 ? 0 : Width, Rank, MapSketch.DefaultSeed);
            foreach (var row in rows)
            {
                sketch.Add(row);
                exact.Add(row);
            }

            await sketch.WriteAsync(part, CancellationToken.None);
            parts.Add(part);
        }

        var read = new List<MapSketch?>();
        foreach (var part in parts)
        {
            read.Add(await MapSketch.TryReadAsync(part, CancellationToken.None));
        }

        var combined = MapSketch.Combine(read)!;
        Assert.Equal(801, combined.Count);
        var all = partRows.SelectMany(r => r).ToList();
        var (mean, first, second) = combined.Axes();
        var (exactMean, exactFirst, exactSecond) = exact.Axes();
        Assert.Equal(exactMean, mean, (a, b) => Math.Abs(a - b) < 1e-9);

        // Orthonormal axes whose plane keeps at least 99% of the variance the exact PCA plane keeps, and a first axis
        // within 5 degrees of the exact one.
        Assert.Equal(1, Dot(first, first), 1e-9);
        Assert.Equal(1, Dot(second, second), 1e-9);
        Assert.Equal(0, Dot(first, second), 1e-9);
        var captured = Variance(all, mean, first) + Variance(all, mean, second);
        var best = Variance(all, exactMean, exactFirst) + Variance(all, exactMean, exactSecond);
        Assert.InRange(captured / best, 0.99, 1 + 1e-9);
        Assert.InRange(Math.Abs(Dot(first, exactFirst)), Math.Cos(5 * Math.PI / 180), 1 + 1e-9);

        // Assembly writes the combined sketch: the assembled folder gives the very axes its parts give.
        var output = _scratch.Combine("out");
        Directory.CreateDirectory(output);
        await MapSketch.ConcatenateAsync(parts, output, CancellationToken.None);
        var assembled = MapSketch.Combine([await MapSketch.TryReadAsync(output, CancellationToken.None)])!.Axes();
        Assert.Equal(mean, assembled.Mean);
        Assert.Equal(first, assembled.First);
        Assert.Equal(second, assembled.Second);

        // A part without a sketch (written before them) leaves the job to the embeddings, and assembly writes none.
        File.Delete(MapSketch.PathIn(parts[2]));
        Assert.Null(MapSketch.Combine([.. read.Take(2), await MapSketch.TryReadAsync(parts[2], CancellationToken.None), read[3]]));
        await MapSketch.ConcatenateAsync(parts, output, CancellationToken.None);
        Assert.False(File.Exists(MapSketch.PathIn(output)));
    }

    public void Dispose() => _scratch.Dispose();

    private static double Variance(List<float[]> rows, double[] mean, double[] axis) =>
        rows.Select(r => PcaAccumulator.Project(r, mean, axis, axis).X).Select(x => x * x).Average();

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[][] RandomOrthonormal(Random random, int count)
    {
        var vectors = new double[count][];
        for (var j = 0; j < count; j++)
        {
            var v = Enumerable.Range(0, Width).Select(_ => Gaussian(random)).ToArray();
            for (var k = 0; k < j; k++)
            {
                var projection = Dot(v, vectors[k]);
                for (var i = 0; i < Width; i++)
                {
                    v[i] -= projection * vectors[k][i];
                }
            }

            var norm = Math.Sqrt(Dot(v, v));
            vectors[j] = [.. v.Select(x => x / norm)];
        }

        return vectors;
    }
}
