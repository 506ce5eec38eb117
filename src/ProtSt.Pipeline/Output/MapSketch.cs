using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Owns <c>map.sketch</c>: a part's statistics for the job's embedding map, written by its shard as the part finishes so
/// the map's axes come from a few small files instead of the embeddings. It holds the row count, the mean and
/// Y = Σ (x − mean)(x − mean)ᵀ Ω, the centred scatter times a fixed, seeded D × k Gaussian test matrix Ω (k = the rank,
/// 4·D·k bytes, not the 8·D² of the scatter). Parts combine exactly (sums, with the parallel-axis term for their means);
/// the two axes are the leading eigenvectors of the single-pass Nyström approximation C Ω (Ωᵀ C Ω)⁺ Ωᵀ C of the
/// covariance C (Tropp et al., 2017), so an approximation of PCA whose error docs/monitoring.md states.
/// Layout: magic, version, width, rank, seed, count, then the mean (doubles) and Y (floats, row-major), little-endian.
/// </summary>
public sealed class MapSketch
{
    public const string FileName = "map.sketch";

    /// <summary>The seed of the test matrix shards draw: parts combine only when drawn from the same one.</summary>
    public const long DefaultSeed = 0x5EED_0F_3A95;

    private const int Magic = 0x4B535350; // "PSSK"
    private const int Version = 1;
    private const int HeaderBytes = 4 + 4 + 4 + 4 + 8 + 8;

    private static readonly ConcurrentDictionary<(int Width, int Rank, long Seed), double[]> TestMatrices = new();

    private readonly double[] _omega;
    private readonly double[] _sum;
    private readonly double[] _range;
    private readonly double[] _projected;
    private double[]? _mean;

    /// <summary>An empty sketch of rows of <paramref name="width"/> values on a test matrix of <paramref name="rank"/> columns drawn from <paramref name="seed"/>.</summary>
    public MapSketch(int width, int rank, long seed)
    {
        if (width < 0 || rank <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), $"a map sketch needs a positive rank and a width of at least 0 (got rank {rank}, width {width}).");
        }

        (Width, Rank, Seed) = (width, rank, seed);
        _omega = TestMatrix(width, rank, seed);
        _sum = new double[width];
        _range = new double[width * rank];
        _projected = new double[rank];
    }

    public int Width { get; }

    public int Rank { get; }

    public long Seed { get; }

    public long Count { get; private set; }

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Folds one row in: O(D·k) (the result-figures benchmark times it).</summary>
    public void Add(ReadOnlySpan<float> x)
    {
        if (_mean is not null)
        {
            throw new InvalidOperationException("rows are added to a sketch being built, not to one read or merged.");
        }

        if (x.Length != Width)
        {
            throw new InvalidDataException($"an embedding of {x.Length} values where the part's others have {Width}.");
        }

        Array.Clear(_projected);
        for (var i = 0; i < Width; i++)
        {
            _sum[i] += x[i];
            AddScaled(_projected, _omega.AsSpan(i * Rank, Rank), x[i]);
        }

        for (var i = 0; i < Width; i++)
        {
            AddScaled(_range.AsSpan(i * Rank, Rank), _projected, x[i]);
        }

        Count++;
    }

    /// <summary>The job's sketch from its parts' (null when any part has none, or one of another width, rank or seed: the map then reads the embeddings).</summary>
    public static MapSketch? Combine(IReadOnlyList<MapSketch?> parts)
    {
        if (parts.Count == 0 || parts.Any(p => p is null))
        {
            return null;
        }

        var kept = parts.Where(p => p!.Count > 0).Select(p => p!.Centred()).ToList();

        if (kept.Count == 0)
        {
            return parts[0]!.Centred();
        }

        var first = kept[0];
        if (kept.Any(p => p.Width != first.Width || p.Rank != first.Rank || p.Seed != first.Seed))
        {
            return null;
        }

        var combined = new MapSketch(first.Width, first.Rank, first.Seed) { Count = kept.Sum(p => p.Count) };
        var mean = new double[first.Width];
        foreach (var part in kept)
        {
            var partMean = part._mean!;
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += kept.Count == 1 ? partMean[i] : partMean[i] * part.Count / combined.Count;
            }
        }

        // Σ over parts of Y_p + n_p (μ_p − μ)(μ_p − μ)ᵀ Ω: exact, and no large uncentred sums cancel.
        var shift = new double[first.Width];
        var projected = new double[first.Rank];
        foreach (var part in kept)
        {
            var partMean = part._mean!;
            Array.Clear(projected);
            for (var i = 0; i < shift.Length; i++)
            {
                shift[i] = partMean[i] - mean[i];
                AddScaled(projected, combined._omega.AsSpan(i * first.Rank, first.Rank), shift[i]);
            }

            for (var i = 0; i < shift.Length; i++)
            {
                var target = combined._range.AsSpan(i * first.Rank, first.Rank);
                AddScaled(target, part._range.AsSpan(i * first.Rank, first.Rank), 1);
                AddScaled(target, projected, shift[i] * part.Count);
            }
        }

        // Rounded as the file holds it: a job's assembled sketch then gives the very axes its parts give.
        for (var i = 0; i < combined._range.Length; i++)
        {
            combined._range[i] = (float)combined._range[i];
        }

        combined._mean = mean;
        return combined;
    }

    /// <summary>The sketch in <paramref name="directory"/>, or null when it has none or one of another version.</summary>
    public static async Task<MapSketch?> TryReadAsync(string directory, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(PathIn(directory), cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        if (bytes.Length < HeaderBytes || BinaryPrimitives.ReadInt32LittleEndian(bytes) != Magic || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) != Version)
        {
            return null;
        }

        var width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var rank = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        var seed = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24));
        if (width < 0 || rank <= 0 || count < 0 || bytes.Length != HeaderBytes + (width * 8L) + (width * (long)rank * 4))
        {
            throw new InvalidDataException($"{PathIn(directory)} is {bytes.Length} bytes, not those of a sketch of width {width} and rank {rank}.");
        }

        var sketch = new MapSketch(width, rank, seed) { Count = count };
        sketch._mean = MemoryMarshal.Cast<byte, double>(bytes.AsSpan(HeaderBytes, width * 8)).ToArray();
        var range = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(HeaderBytes + (width * 8)));
        for (var i = 0; i < range.Length; i++)
        {
            sketch._range[i] = range[i];
        }

        return sketch;
    }

    /// <summary>Writes the sketch (centred) into <paramref name="directory"/>, whole or not at all.</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var centred = Centred();
        var bytes = new byte[HeaderBytes + (Width * 8L) + (Width * (long)Rank * 4)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), Width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), Rank);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), Seed);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), Count);
        MemoryMarshal.AsBytes(centred._mean.AsSpan()).CopyTo(bytes.AsSpan(HeaderBytes));
        var range = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(HeaderBytes + (Width * 8)));
        for (var i = 0; i < range.Length; i++)
        {
            range[i] = (float)centred._range[i];
        }

        var target = PathIn(directory);
        var temporary = target + ".writing";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>Writes the sketch of <paramref name="output"/>'s assembled files from <paramref name="parts"/>' sketches; removes any stale one when a part has none.</summary>
    public static async Task ConcatenateAsync(IReadOnlyList<string> parts, string output, CancellationToken cancellationToken)
    {
        File.Delete(PathIn(output));
        var sketches = new List<MapSketch?>(parts.Count);
        foreach (var part in parts)
        {
            sketches.Add(await TryReadAsync(part, cancellationToken));
        }

        if (Combine(sketches) is { } combined)
        {
            await combined.WriteAsync(output, cancellationToken);
        }
    }

    /// <summary>The mean and the two leading principal axes (unit vectors; each with its largest component positive, so the map does not flip between requests).</summary>
    public (double[] Mean, double[] First, double[] Second) Axes()
    {
        var centred = Centred();
        var (d, k) = (Width, Rank);
        if (Count == 0 || d == 0)
        {
            return (centred._mean!, Unit(d, 0), Unit(d, 1));
        }

        // Y_ν = Y + ν Ω with a small shift ν keeps Ωᵀ Y_ν positive definite in floating point; ν is taken off again below.
        var y = (double[])centred._range.Clone();
        var norm = Math.Sqrt(y.Sum(v => v * v));
        var nu = 2.2e-16 * Math.Max(norm, double.Epsilon) * Math.Sqrt(d);
        for (var i = 0; i < y.Length; i++)
        {
            y[i] += nu * _omega[i];
        }

        var b = new double[k * k];
        for (var i = 0; i < d; i++)
        {
            for (var r = 0; r < k; r++)
            {
                AddScaled(b.AsSpan(r * k, k), y.AsSpan(i * k, k), _omega[(i * k) + r]);
            }
        }

        Symmetrize(b, k);

        // F = Y_ν B^(-1/2) (pseudo-inverse): the approximation is F Fᵀ, whose leading left singular vectors are the axes.
        var (bValues, bVectors) = SymmetricEigen(b, k);
        var floor = bValues.Max() * 1e-12;
        var inverseRoot = new double[k * k];
        for (var m = 0; m < k; m++)
        {
            if (bValues[m] <= floor)
            {
                continue;
            }

            var scale = 1 / Math.Sqrt(bValues[m]);
            for (var r = 0; r < k; r++)
            {
                for (var c = 0; c < k; c++)
                {
                    inverseRoot[(r * k) + c] += bVectors[(r * k) + m] * bVectors[(c * k) + m] * scale;
                }
            }
        }

        var f = new double[d * k];
        for (var i = 0; i < d; i++)
        {
            for (var r = 0; r < k; r++)
            {
                AddScaled(f.AsSpan(i * k, k), inverseRoot.AsSpan(r * k, k), y[(i * k) + r]);
            }
        }

        var gram = new double[k * k];
        for (var i = 0; i < d; i++)
        {
            var row = f.AsSpan(i * k, k);
            for (var r = 0; r < k; r++)
            {
                AddScaled(gram.AsSpan(r * k, k), row, row[r]);
            }
        }

        var (values, vectors) = SymmetricEigen(gram, k);
        var order = Enumerable.Range(0, k).OrderByDescending(m => values[m]).ToArray();
        return (centred._mean!, Axis(f, vectors, order[0], values[order[0]]), Axis(f, vectors, order[1 % k], values[order[1 % k]]));
    }

    // Axis = F w / σ: a left singular vector of F, signed so its largest component is positive.
    private double[] Axis(double[] f, double[] vectors, int m, double value)
    {
        var (d, k) = (Width, Rank);
        var axis = new double[d];
        if (value <= 0 || k < 2)
        {
            return Unit(d, m == 0 ? 0 : Math.Min(1, d - 1));
        }

        for (var i = 0; i < d; i++)
        {
            var sum = 0.0;
            for (var r = 0; r < k; r++)
            {
                sum += f[(i * k) + r] * vectors[(r * k) + m];
            }

            axis[i] = sum;
        }

        var norm = Math.Sqrt(axis.Sum(v => v * v));
        var largest = 0;
        for (var i = 0; i < d; i++)
        {
            axis[i] /= norm;
            largest = Math.Abs(axis[i]) > Math.Abs(axis[largest]) ? i : largest;
        }

        if (axis[largest] < 0)
        {
            for (var i = 0; i < d; i++)
            {
                axis[i] = -axis[i];
            }
        }

        return axis;
    }

    private static double[] Unit(int width, int index)
    {
        var unit = new double[width];
        if (width > 0)
        {
            unit[Math.Min(index, width - 1)] = 1;
        }

        return unit;
    }

    // A sketch being built holds uncentred sums in doubles; centring once, here, keeps the cancellation in double precision.
    private MapSketch Centred()
    {
        if (_mean is not null)
        {
            return this;
        }

        var centred = new MapSketch(Width, Rank, Seed) { Count = Count };
        var mean = _sum.Select(s => Count > 0 ? s / Count : 0).ToArray();
        var projected = new double[Rank];
        for (var i = 0; i < Width; i++)
        {
            AddScaled(projected, _omega.AsSpan(i * Rank, Rank), mean[i]);
        }

        Array.Copy(_range, centred._range, _range.Length);
        for (var i = 0; i < Width; i++)
        {
            AddScaled(centred._range.AsSpan(i * Rank, Rank), projected, -mean[i] * Count);
        }

        centred._mean = mean;
        return centred;
    }

    // Standard normal entries from a splitmix64 stream and Box–Muller: the same Ω on every silo and .NET version.
    private static double[] TestMatrix(int width, int rank, long seed) => TestMatrices.GetOrAdd((width, rank, seed), key =>
    {
        var state = (ulong)key.Seed;
        var matrix = new double[key.Width * key.Rank];
        for (var i = 0; i < matrix.Length; i += 2)
        {
            var u1 = ((Next(ref state) >> 11) + 1) * (1.0 / (1UL << 53));
            var u2 = (Next(ref state) >> 11) * (1.0 / (1UL << 53));
            var radius = Math.Sqrt(-2 * Math.Log(u1));
            matrix[i] = radius * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < matrix.Length)
            {
                matrix[i + 1] = radius * Math.Sin(2 * Math.PI * u2);
            }
        }

        return matrix;

        static ulong Next(ref ulong s)
        {
            var z = s += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    });

    private static void Symmetrize(double[] matrix, int n)
    {
        for (var r = 0; r < n; r++)
        {
            for (var c = r + 1; c < n; c++)
            {
                var mean = (matrix[(r * n) + c] + matrix[(c * n) + r]) / 2;
                matrix[(r * n) + c] = matrix[(c * n) + r] = mean;
            }
        }
    }

    // Cyclic Jacobi rotations: k is tens, so O(k³) sweeps cost microseconds. Returns eigenvalues and column eigenvectors.
    private static (double[] Values, double[] Vectors) SymmetricEigen(double[] symmetric, int n)
    {
        var a = (double[])symmetric.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            var off = 0.0;
            var total = 0.0;
            for (var p = 0; p < n; p++)
            {
                for (var q = 0; q < n; q++)
                {
                    total += a[(p * n) + q] * a[(p * n) + q];
                    off += p != q ? a[(p * n) + q] * a[(p * n) + q] : 0;
                }
            }

            if (off <= 1e-30 * total)
            {
                break;
            }

            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[(p * n) + q];
                    if (apq == 0)
                    {
                        continue;
                    }

                    var theta = (a[(q * n) + q] - a[(p * n) + p]) / (2 * apq);
                    var t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    var c = 1 / Math.Sqrt((t * t) + 1);
                    var s = t * c;
                    for (var r = 0; r < n; r++)
                    {
                        var (arp, arq) = (a[(r * n) + p], a[(r * n) + q]);
                        a[(r * n) + p] = (c * arp) - (s * arq);
                        a[(r * n) + q] = (s * arp) + (c * arq);
                    }

                    for (var r = 0; r < n; r++)
                    {
                        var (apr, aqr) = (a[(p * n) + r], a[(q * n) + r]);
                        a[(p * n) + r] = (c * apr) - (s * aqr);
                        a[(q * n) + r] = (s * apr) + (c * aqr);
                    }

                    for (var r = 0; r < n; r++)
                    {
                        var (vrp, vrq) = (v[(r * n) + p], v[(r * n) + q]);
                        v[(r * n) + p] = (c * vrp) - (s * vrq);
                        v[(r * n) + q] = (s * vrp) + (c * vrq);
                    }
                }
            }
        }

        return (Enumerable.Range(0, n).Select(i => a[(i * n) + i]).ToArray(), v);
    }

    private static void AddScaled(Span<double> target, ReadOnlySpan<double> source, double scale)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += source[i] * scale;
        }
    }
}
