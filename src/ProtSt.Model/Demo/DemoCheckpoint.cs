using System.Text.Json;
using System.Text.Json.Nodes;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Demo;

/// <summary>
/// Writes an untrained ESM checkpoint in the Hugging Face layout with deterministic weights: the embedded default
/// model, so the whole product runs without downloading anything. Its embeddings carry no biology.
/// </summary>
public static class DemoCheckpoint
{
    private static IReadOnlyList<string> EsmVocabulary => EsmTokenizer.StandardVocabulary;

    private const int Positions = 1026;

    public static void Write(string directory, DemoModelSpec spec)
    {
        Directory.CreateDirectory(directory);
        var random = new SplitMix64(spec.Seed);
        var entries = EsmEntries("esm.", spec, random);
        if (spec.ContactHead)
        {
            entries.Add(Normal("esm.contact_head.regression.weight", random, 1.0, 1, (long)spec.Layers * spec.Heads));
            entries.Add(SafetensorsWriter.Float32("esm.contact_head.regression.bias", [1], [-0.5f]));
        }

        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), entries, new Dictionary<string, string> { ["format"] = "pt" });
        var config = EsmConfigJson(spec);
        config["protst_demo"] = DemoNote(spec.Seed, "protst model demo");
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The tensors of an untrained ESM encoder under <paramref name="prefix"/> (e.g. <c>esm.</c> or <c>protein_model.esm.</c>).</summary>
    internal static List<SafetensorsWriter.Entry> EsmEntries(string prefix, DemoModelSpec spec, SplitMix64 random)
    {
        if (spec.HiddenSize % spec.Heads != 0 || (!spec.Esm1b && (spec.HiddenSize / spec.Heads) % 2 != 0))
        {
            throw new ArgumentException($"Hidden size {spec.HiddenSize} must split into {spec.Heads} heads of even size.", nameof(spec));
        }

        var d = spec.HiddenSize;
        var f = spec.IntermediateSize;
        var entries = new List<SafetensorsWriter.Entry>
        {
            Normal(prefix + "embeddings.word_embeddings.weight", random, 1.0, EsmVocabulary.Count, d),
        };
        if (spec.Esm1b)
        {
            entries.Add(Normal(prefix + "embeddings.position_embeddings.weight", random, 0.1, Positions, d));
            entries.AddRange(LayerNorm(prefix + "embeddings.layer_norm", random, d));
        }

        var scale = 1.0 / Math.Sqrt(d);
        for (var i = 0; i < spec.Layers; i++)
        {
            var layer = $"{prefix}encoder.layer.{i}.";
            foreach (var projection in new[] { "query", "key", "value" })
            {
                entries.Add(Normal($"{layer}attention.self.{projection}.weight", random, scale, d, d));
                entries.Add(Normal($"{layer}attention.self.{projection}.bias", random, 0.02, d));
            }

            entries.Add(Normal($"{layer}attention.output.dense.weight", random, scale, d, d));
            entries.Add(Normal($"{layer}attention.output.dense.bias", random, 0.02, d));
            entries.AddRange(LayerNorm($"{layer}attention.LayerNorm", random, d));
            entries.Add(Normal($"{layer}intermediate.dense.weight", random, scale, f, d));
            entries.Add(Normal($"{layer}intermediate.dense.bias", random, 0.02, f));
            entries.Add(Normal($"{layer}output.dense.weight", random, 1.0 / Math.Sqrt(f), d, f));
            entries.Add(Normal($"{layer}output.dense.bias", random, 0.02, d));
            entries.AddRange(LayerNorm($"{layer}LayerNorm", random, d));
            if (!spec.Esm1b)
            {
                var half = d / spec.Heads / 2;
                var inverse = Enumerable.Range(0, half).Select(j => (float)(1.0 / Math.Pow(10000, 2.0 * j / (d / spec.Heads)))).ToArray();
                entries.Add(SafetensorsWriter.Float32($"{layer}attention.self.rotary_embeddings.inv_freq", [half], inverse));
            }
        }

        entries.AddRange(LayerNorm(prefix + "encoder.emb_layer_norm_after", random, d));
        return entries;
    }

    /// <summary>The Hugging Face EsmConfig of an untrained encoder of this shape.</summary>
    internal static JsonObject EsmConfigJson(DemoModelSpec spec)
    {
        var d = spec.HiddenSize;
        var f = spec.IntermediateSize;
        return new JsonObject
        {
            ["architectures"] = new JsonArray("EsmForMaskedLM"),
            ["model_type"] = "esm",
            ["vocab_size"] = EsmVocabulary.Count,
            ["hidden_size"] = d,
            ["num_hidden_layers"] = spec.Layers,
            ["num_attention_heads"] = spec.Heads,
            ["intermediate_size"] = f,
            ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = Positions,
            ["layer_norm_eps"] = 1e-5,
            ["position_embedding_type"] = spec.Esm1b ? "absolute" : "rotary",
            ["emb_layer_norm_before"] = spec.Esm1b,
            ["token_dropout"] = spec.TokenDropout,
            ["pad_token_id"] = 1,
            ["mask_token_id"] = 32,
            ["vocab_list"] = new JsonArray(EsmVocabulary.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["torch_dtype"] = "float32",
        };
    }

    /// <summary>The marker that makes converted folders say they are untrained.</summary>
    internal static JsonObject DemoNote(ulong seed, string writer) => new()
    {
        ["untrained"] = true,
        ["seed"] = seed,
        ["note"] = $"Deterministic random weights generated by '{writer}'. Untrained: outputs carry no biological meaning.",
    };

    internal static SafetensorsWriter.Entry Normal(string name, SplitMix64 random, double std, params long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextGaussian() * std);
        }

        return SafetensorsWriter.Float32(name, shape, values);
    }

    internal static IEnumerable<SafetensorsWriter.Entry> LayerNorm(string prefix, SplitMix64 random, int width)
    {
        // Near-identity norms with a little noise, so a wrong gamma/beta wiring changes the output measurably.
        var gamma = new float[width];
        var beta = new float[width];
        for (var i = 0; i < width; i++)
        {
            gamma[i] = (float)(1.0 + (0.1 * random.NextGaussian()));
            beta[i] = (float)(0.05 * random.NextGaussian());
        }

        yield return SafetensorsWriter.Float32(prefix + ".weight", [width], gamma);
        yield return SafetensorsWriter.Float32(prefix + ".bias", [width], beta);
    }
}
