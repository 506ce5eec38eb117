using System.Text.Json;
using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Tests.Support;

/// <summary>One golden folder: reference outputs of PyTorch ESM for a small random-weight model (copied from shared/goldens).</summary>
public sealed class Golden
{
    private Golden(string name)
    {
        Name = name;
        Directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", name);
        using var cases = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "cases.json")));
        Cases = cases.RootElement.GetProperty("sequences").EnumerateArray()
            .Select(c => (c.GetProperty("id").GetString()!, c.GetProperty("sequence").GetString()!))
            .ToArray();
        Expected = SafetensorsReader.Read(Path.Combine(Directory, "expected.safetensors"));
    }

    public static IEnumerable<string> EsmNames => ["esm2-tiny", "esm1b-tiny", "esm2-tiny-bin"];

    public string Name { get; }

    public string Directory { get; }

    public IReadOnlyList<(string Id, string Sequence)> Cases { get; }

    public Checkpoint Expected { get; }

    public static Golden Load(string name) => new(name);

    public float[] Tensor(string name) => Expected.Get(name).ReadFloat32();

    public long[] Int64Tensor(string name)
    {
        var bytes = Expected.Get(name).ReadBytes();
        var values = new long[bytes.Length / 8];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    public IReadOnlyList<long> Shape(string name) => Expected.Get(name).Shape;

    /// <summary>
    /// The n x n symmetric matrix stored as its upper triangle (row-major, diagonal included) under
    /// <paramref name="name"/>, as the extract goldens keep fair-esm's contact maps: half the bytes, the same values.
    /// </summary>
    public float[] SymmetricMatrix(string name, int n)
    {
        var upper = Tensor(name);
        Assert.True(upper.Length == n * (n + 1) / 2, $"{Name}/{name} holds {upper.Length} values, not the upper triangle of {n} x {n}");
        var full = new float[n * n];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                full[(i * n) + j] = full[(j * n) + i] = upper[k++];
            }
        }

        return full;
    }
}
