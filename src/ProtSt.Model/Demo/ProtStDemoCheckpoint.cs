using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ProtSt.Model.Checkpoints;

namespace ProtSt.Model.Demo;

/// <summary>
/// Writes an untrained ProtST zero-shot checkpoint in the <c>mila-intel/ProtST-esm1b</c> layout (config with
/// protein_config and text_config, <c>protein_model.*</c>, <c>text_model.*</c>, <c>logit_scale</c>) and a small
/// WordPiece vocabulary, so zero-shot, eval and search run end to end with nothing downloaded. Its scores mean nothing.
/// </summary>
public static class ProtStDemoCheckpoint
{
    private const int TextPositions = 512;

    public static void Write(string directory, ProtStDemoSpec spec)
    {
        if (spec.TextHidden % spec.TextHeads != 0)
        {
            throw new ArgumentException($"Text hidden size {spec.TextHidden} must split into {spec.TextHeads} heads.", nameof(spec));
        }

        Directory.CreateDirectory(directory);
        var random = new SplitMix64(spec.Seed);
        var vocabulary = Vocabulary();
        var p = spec.Protein.HiddenSize;
        var t = spec.TextHidden;
        var entries = DemoCheckpoint.EsmEntries("protein_model.esm.", spec.Protein, random);
        entries.AddRange(Mlp("protein_model.protein_mlp.", random, p, p, spec.ProjectionSize));

        var bert = "text_model.bert.";
        entries.Add(DemoCheckpoint.Normal(bert + "embeddings.word_embeddings.weight", random, 1.0, vocabulary.Count, t));
        entries.Add(DemoCheckpoint.Normal(bert + "embeddings.position_embeddings.weight", random, 0.1, TextPositions, t));
        entries.Add(DemoCheckpoint.Normal(bert + "embeddings.token_type_embeddings.weight", random, 0.1, 2, t));
        entries.AddRange(DemoCheckpoint.LayerNorm(bert + "embeddings.LayerNorm", random, t));
        var scale = 1.0 / Math.Sqrt(t);
        for (var i = 0; i < spec.TextLayers; i++)
        {
            var layer = $"{bert}encoder.layer.{i}.";
            foreach (var projection in new[] { "query", "key", "value" })
            {
                entries.Add(DemoCheckpoint.Normal($"{layer}attention.self.{projection}.weight", random, scale, t, t));
                entries.Add(DemoCheckpoint.Normal($"{layer}attention.self.{projection}.bias", random, 0.02, t));
            }

            entries.Add(DemoCheckpoint.Normal($"{layer}attention.output.dense.weight", random, scale, t, t));
            entries.Add(DemoCheckpoint.Normal($"{layer}attention.output.dense.bias", random, 0.02, t));
            entries.AddRange(DemoCheckpoint.LayerNorm($"{layer}attention.output.LayerNorm", random, t));
            entries.Add(DemoCheckpoint.Normal($"{layer}intermediate.dense.weight", random, scale, spec.TextIntermediate, t));
            entries.Add(DemoCheckpoint.Normal($"{layer}intermediate.dense.bias", random, 0.02, spec.TextIntermediate));
            entries.Add(DemoCheckpoint.Normal($"{layer}output.dense.weight", random, 1.0 / Math.Sqrt(spec.TextIntermediate), t, spec.TextIntermediate));
            entries.Add(DemoCheckpoint.Normal($"{layer}output.dense.bias", random, 0.02, t));
            entries.AddRange(DemoCheckpoint.LayerNorm($"{layer}output.LayerNorm", random, t));
        }

        entries.AddRange(Mlp("text_model.text_mlp.", random, t, t, spec.ProjectionSize));
        entries.Add(SafetensorsWriter.Float32("logit_scale", [], [(float)spec.LogitScale]));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), entries, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), vocabulary, new UTF8Encoding(false));

        var protein = DemoCheckpoint.EsmConfigJson(spec.Protein);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("ProtSTModel"),
            ["model_type"] = "protst",
            ["protein_config"] = protein,
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "bert",
                ["vocab_size"] = vocabulary.Count,
                ["hidden_size"] = t,
                ["num_hidden_layers"] = spec.TextLayers,
                ["num_attention_heads"] = spec.TextHeads,
                ["intermediate_size"] = spec.TextIntermediate,
                ["hidden_act"] = "gelu",
                ["max_position_embeddings"] = TextPositions,
                ["type_vocab_size"] = 2,
                ["layer_norm_eps"] = 1e-12,
                ["pad_token_id"] = 0,
            },
            ["torch_dtype"] = "float32",
            ["protst_demo"] = DemoCheckpoint.DemoNote(spec.Seed, "ProtStDemoCheckpoint"),
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// A WordPiece vocabulary in BERT's layout ([PAD] first) that can spell any lower-case ASCII text: the special
    /// tokens, punctuation and digits, each letter alone and as a ## continuation, and a few whole words.
    /// </summary>
    private static List<string> Vocabulary()
    {
        var pieces = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        pieces.AddRange("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~0123456789".Select(c => c.ToString()));
        pieces.AddRange(Enumerable.Range('a', 26).Select(c => ((char)c).ToString()));
        pieces.AddRange(Enumerable.Range('a', 26).Select(c => "##" + (char)c));
        pieces.AddRange(Enumerable.Range('0', 10).Select(c => "##" + (char)c));
        pieces.AddRange(["subcellular", "location", "cell", "membrane", "cytoplasm", "nucleus", "mitochondrion", "protein", "secreted"]);
        return pieces;
    }

    private static IEnumerable<SafetensorsWriter.Entry> Mlp(string prefix, SplitMix64 random, int input, int hidden, int output)
    {
        yield return DemoCheckpoint.Normal(prefix + "dense.weight", random, 1.0 / Math.Sqrt(input), hidden, input);
        yield return DemoCheckpoint.Normal(prefix + "dense.bias", random, 0.02, hidden);
        yield return DemoCheckpoint.Normal(prefix + "out_proj.weight", random, 1.0 / Math.Sqrt(hidden), output, hidden);
        yield return DemoCheckpoint.Normal(prefix + "out_proj.bias", random, 0.02, output);
    }
}
