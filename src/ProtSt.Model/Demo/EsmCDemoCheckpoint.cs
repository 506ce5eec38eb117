using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;

namespace ProtSt.Model.Demo;

/// <summary>
/// Writes an untrained ESM C checkpoint in the esm package's layout (the ESMC module's tensor names, no model config)
/// with deterministic weights: for demos, benchmarks of ESM C's shapes and tests of other depths and widths.
/// </summary>
public static class EsmCDemoCheckpoint
{
    /// <summary>The embedding table's rows: ESM C pads its 33-token vocabulary to 64.</summary>
    private const int EmbeddingRows = 64;

    /// <summary>
    /// Writes <c>model.safetensors</c> and, when <paramref name="untrainedMarker"/>, a config.json holding only the
    /// marker that makes the converted folder say it is untrained (the shape still comes from the tensors).
    /// </summary>
    public static void Write(string directory, DemoModelSpec spec, bool untrainedMarker = true)
    {
        var d = spec.HiddenSize;
        if (d <= 0 || d % EsmCLayout.HeadWidth != 0)
        {
            throw new ArgumentException($"ESM C's width must be a positive multiple of its {EsmCLayout.HeadWidth}-wide heads, got {d}.", nameof(spec));
        }

        Directory.CreateDirectory(directory);
        var random = new SplitMix64(spec.Seed);
        var f = spec.IntermediateSize;
        var scale = 1.0 / Math.Sqrt(d);
        var entries = new List<SafetensorsWriter.Entry> { DemoCheckpoint.Normal("embed.weight", random, 1.0, EmbeddingRows, d) };
        for (var i = 0; i < spec.Layers; i++)
        {
            var block = string.Create(CultureInfo.InvariantCulture, $"transformer.blocks.{i}.");
            entries.AddRange(DemoCheckpoint.LayerNorm(block + "attn.layernorm_qkv.0", random, d));
            entries.Add(DemoCheckpoint.Normal(block + "attn.layernorm_qkv.1.weight", random, scale, 3 * d, d));
            entries.Add(Gamma(block + "attn.q_ln.weight", random, d));
            entries.Add(Gamma(block + "attn.k_ln.weight", random, d));
            entries.Add(DemoCheckpoint.Normal(block + "attn.out_proj.weight", random, scale, d, d));
            entries.AddRange(DemoCheckpoint.LayerNorm(block + "ffn.0", random, d));
            entries.Add(DemoCheckpoint.Normal(block + "ffn.1.weight", random, scale, 2 * f, d));
            entries.Add(DemoCheckpoint.Normal(block + "ffn.3.weight", random, 1.0 / Math.Sqrt(f), d, f));
        }

        entries.Add(Gamma("transformer.norm.weight", random, d));
        entries.Add(DemoCheckpoint.Normal("sequence_head.0.weight", random, scale, d, d));
        entries.Add(DemoCheckpoint.Normal("sequence_head.0.bias", random, 0.02, d));
        entries.AddRange(DemoCheckpoint.LayerNorm("sequence_head.2", random, d));
        entries.Add(DemoCheckpoint.Normal("sequence_head.3.weight", random, scale, EmbeddingRows, d));
        entries.Add(DemoCheckpoint.Normal("sequence_head.3.bias", random, 0.02, EmbeddingRows));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), entries, new Dictionary<string, string> { ["format"] = "pt" });
        if (untrainedMarker)
        {
            var config = new JsonObject { ["protst_demo"] = DemoCheckpoint.DemoNote(spec.Seed, "protst model demo --esmc") };
            File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
    }

    /// <summary>A bias-free norm's weight: near 1 with a little noise, so a wrong wiring changes the output measurably.</summary>
    private static SafetensorsWriter.Entry Gamma(string name, SplitMix64 random, int width)
    {
        var gamma = new float[width];
        for (var i = 0; i < width; i++)
        {
            gamma[i] = (float)(1.0 + (0.1 * random.NextGaussian()));
        }

        return SafetensorsWriter.Float32(name, [width], gamma);
    }
}
