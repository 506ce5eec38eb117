using System.Text.Json;
using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Tests.Support;

/// <summary>A ProtST golden folder (copied from shared/goldens): its proteins, prompts and reference tensors.</summary>
public sealed class ProtStGolden
{
    private ProtStGolden(string name)
    {
        Directory = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", name);
        using var cases = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "cases.json")));
        Proteins = cases.RootElement.GetProperty("proteins").EnumerateArray().Select(p => p.GetProperty("sequence").GetString()!).ToArray();
        Prompts = cases.RootElement.TryGetProperty("labels", out var labels)
            ? labels.EnumerateArray().Select(l => l.GetProperty("prompt").GetString()!).ToArray()
            : [];
        Expected = SafetensorsReader.Read(Path.Combine(Directory, "expected.safetensors"));
    }

    /// <summary>The class names of ProtST's subcellular-localization labels, in id order.</summary>
    public static IReadOnlyList<string> LocationNames { get; } =
    [
        "Cell membrane", "Cytoplasm", "Endoplasmic reticulum (ER)", "Golgi apparatus", "Lysosome/Vacuole",
        "Mitochondrion", "Nucleus", "Peroxisome", "Plastid", "Extracellular",
    ];

    public string Directory { get; }

    public string[] Proteins { get; }

    public string[] Prompts { get; }

    public Checkpoint Expected { get; }

    public static ProtStGolden Load(string name) => new(name);

    public float[] Tensor(string name) => Expected.Get(name).ReadFloat32();

    public long[] Int64(string name)
    {
        var bytes = Expected.Get(name).ReadBytes();
        var values = new long[bytes.Length / 8];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
