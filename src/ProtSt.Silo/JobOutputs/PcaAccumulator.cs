using System.Numerics;

namespace ProtSt.Silo.JobOutputs;

/// <summary>
/// Incremental PCA of a job's embeddings: each row is folded once into the sum and the D×D scatter matrix (a part's
/// rows when it finishes), and the two leading axes come from the covariance by power iteration, so no row needs to be
/// kept in memory between requests.
/// </summary>
public sealed class PcaAccumulator(int width)
{
    private const int MaxIterations = 300;
    private const double Converged = 1e-10;

    // Rows folded together: the scatter matrix (13 MB at width 1280) is streamed once per block instead of once per
    // row, which made a row cost milliseconds of memory traffic rather than microseconds of arithmetic.
    private const int BlockRows = 64;

    private readonly double[] _sum = new double[width];

    // Upper triangle of Σ x xᵀ, row-major.
    private readonly double[] _scatter = new double[width * width];
    private readonly double[] _block = new double[BlockRows * width];
    private int _blocked;

    public int Width => width;

    public long Count { get; private set; }

    public void Add(ReadOnlySpan<float> x)
    {
        if (x.Length != width)
        {
            throw new InvalidDataException($"an embedding of {x.Length} values where the job's others have {width}.");
        }

        var row = _block.AsSpan(_blocked * width, width);
        for (var i = 0; i < width; i++)
        {
            row[i] = x[i];
            _sum[i] += x[i];
        }

        Count++;
        if (++_blocked == BlockRows)
        {
            Flush();
        }
    }

    /// <summary>The mean and the two leading principal axes (unit vectors; each with its largest component positive, so the map does not flip between requests).</summary>
    public (double[] Mean, double[] First, double[] Second) Axes()
    {
        Flush();
        var mean = _sum.Select(s => Count > 0 ? s / Count : 0).ToArray();
        var covariance = new double[width * width];
        for (var i = 0; i < width; i++)
        {
            for (var j = i; j < width; j++)
            {
                var c = Count > 0 ? (_scatter[(i * width) + j] / Count) - (mean[i] * mean[j]) : 0;
                covariance[(i * width) + j] = c;
                covariance[(j * width) + i] = c;
            }
        }

        var (first, variance) = LeadingAxis(covariance);
        for (var i = 0; i < width; i++)
        {
            for (var j = 0; j < width; j++)
            {
                covariance[(i * width) + j] -= variance * first[i] * first[j];
            }
        }

        var (second, _) = LeadingAxis(covariance);
        return (mean, first, second);
    }

    /// <summary>Coordinates of <paramref name="x"/> on the axes.</summary>
    public static (double X, double Y) Project(ReadOnlySpan<float> x, double[] mean, double[] first, double[] second)
    {
        double a = 0, b = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var centred = x[i] - mean[i];
            a += centred * first[i];
            b += centred * second[i];
        }

        return (a, b);
    }

    private void Flush()
    {
        for (var i = 0; i < width; i++)
        {
            var target = _scatter.AsSpan((i * width) + i, width - i);
            for (var b = 0; b < _blocked; b++)
            {
                var row = _block.AsSpan(b * width, width);
                AddScaled(target, row[i..], row[i]);
            }
        }

        _blocked = 0;
    }

    private (double[] Axis, double Variance) LeadingAxis(double[] matrix)
    {
        // A fixed, uneven start: never orthogonal to the leading axis in practice, and the same map on every silo.
        var v = Enumerable.Range(0, width).Select(i => 1.0 + ((i % 7) / 10.0)).ToArray();
        Normalize(v);
        var next = new double[width];
        var variance = 0.0;
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            for (var i = 0; i < width; i++)
            {
                next[i] = Dot(matrix.AsSpan(i * width, width), v);
            }

            variance = Dot(next, v);
            if (Normalize(next) == 0)
            {
                // No variance left (one row, or identical rows): any axis gives the same map.
                return (v, 0);
            }

            var change = 0.0;
            for (var i = 0; i < width; i++)
            {
                change += (next[i] - v[i]) * (next[i] - v[i]);
            }

            (v, next) = (next, v);
            if (change < Converged)
            {
                break;
            }
        }

        var largest = 0;
        for (var i = 1; i < width; i++)
        {
            largest = Math.Abs(v[i]) > Math.Abs(v[largest]) ? i : largest;
        }

        if (v[largest] < 0)
        {
            for (var i = 0; i < width; i++)
            {
                v[i] = -v[i];
            }
        }

        return (v, variance);
    }

    private static double Normalize(double[] v)
    {
        var norm = Math.Sqrt(Dot(v, v));
        if (norm > 0)
        {
            for (var i = 0; i < v.Length; i++)
            {
                v[i] /= norm;
            }
        }

        return norm;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<double>.Zero;
            for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                acc += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void AddScaled(Span<double> target, ReadOnlySpan<double> source, double scale)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= target.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                (new Vector<double>(target[i..]) + (new Vector<double>(source[i..]) * scale)).CopyTo(target[i..]);
            }
        }

        for (; i < target.Length; i++)
        {
            target[i] += source[i] * scale;
        }
    }
}
