using ProtSt.Model.Folders;
using ProtSt.Model.Inference;
using ProtSt.Model.Tests.Support;
using ProtSt.Model.Tokenization;

namespace ProtSt.Model.Tests.Onnx;

/// <summary>
/// ProtST's whole zero-shot and classifier math against the reference: prompt tokenization, the BERT text tower, both
/// projections, exp(logit_scale)·cosine scores, predictions and classifier probabilities, all within 1e-4.
/// </summary>
public sealed class ProtStGoldenTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Zero_shot_model_reproduces_every_reference_tensor()
    {
        var golden = ProtStGolden.Load("protst-tiny");
        var (directory, proteins, prompts, expected) = (golden.Directory, golden.Proteins, golden.Prompts, golden.Expected);
        using var model = new Converted(directory);
        Assert.Equal(ModelKind.ZeroShot, model.Manifest.Kind);
        var folder = model.Session.Folder;

        // Tokenization: [CLS] + at most 128 pieces, no [SEP], padded with [PAD]; one prompt has accents, one is cut.
        using var text = TextEncoderSession.Open(folder, new InferenceOptions { IntraOpThreads = 1 });
        var expectedIds = golden.Int64("text_input_ids");
        var columns = (int)expected.Get("text_input_ids").Shape[1];
        for (var p = 0; p < prompts.Length; p++)
        {
            var ids = text.Tokenizer.Encode(prompts[p]);
            var row = expectedIds.AsSpan(p * columns, columns);
            Assert.Equal(row[..ids.Length].ToArray(), ids);
            Assert.All(row[ids.Length..].ToArray(), id => Assert.Equal(text.Tokenizer.PadId, id));
        }

        Assert.Equal(129, text.Tokenizer.Encode(prompts[^1]).Length);

        var embedded = text.Embed(prompts, includeHiddenStates: true);
        Assert.Equal(columns, embedded.SequenceLength);
        var hidden = expected.Get("text_last_hidden_state").ReadFloat32();
        for (var p = 0; p < prompts.Length; p++)
        {
            for (var t = 0; t < columns; t++)
            {
                if (expectedIds[(p * columns) + t] != text.Tokenizer.PadId)
                {
                    var offset = ((p * columns) + t) * embedded.HiddenSize;
                    Assertions.Close(embedded.LastHiddenState.AsSpan(offset, embedded.HiddenSize), hidden.AsSpan(offset, embedded.HiddenSize), Tolerance, $"prompt {p} token {t}");
                }
            }
        }

        Assertions.Close(embedded.MeanEmbeddings, expected.Get("text_mean").ReadFloat32(), Tolerance, "text_mean");
        Assertions.Close(embedded.Features, expected.Get("text_feature").ReadFloat32(), Tolerance, "text_feature");

        // Protein side: encoder mean (+1e-6 pooling), then protein_mlp.
        var output = model.Run(proteins, hidden: false);
        Assertions.Close(output.Pooled, expected.Get("protein_mean").ReadFloat32(), Tolerance, "protein_mean");
        using var head = HeadSession.Open(folder, new InferenceOptions { IntraOpThreads = 1 });
        var features = head.Run(output.Pooled, proteins.Length);
        Assertions.Close(features, expected.Get("protein_feature").ReadFloat32(), Tolerance, "protein_feature");

        // Scores against all 12 prompts and against the 10 labels, and the predictions.
        var all = new ZeroShotScorer(embedded.Features, prompts.Length, embedded.FeatureWidth, model.Manifest.LogitScale!.Value);
        var labels = new ZeroShotScorer(embedded.Features.AsSpan(0, 10 * embedded.FeatureWidth), 10, embedded.FeatureWidth, model.Manifest.LogitScale.Value);
        var logitsAll = expected.Get("logits_all").ReadFloat32();
        var logits = expected.Get("logits").ReadFloat32();
        var predictions = golden.Int64("prediction");
        for (var b = 0; b < proteins.Length; b++)
        {
            var feature = features.AsSpan(b * head.OutputWidth, head.OutputWidth);
            Assertions.Close(all.Score(feature), logitsAll.AsSpan(b * 12, 12), Tolerance, $"logits_all of protein {b}");
            var scores = labels.Score(feature);
            Assertions.Close(scores, logits.AsSpan(b * 10, 10), Tolerance, $"logits of protein {b}");
            Assert.Equal(predictions[b], ZeroShotScorer.ArgMax(scores));
        }
    }

    [Fact]
    public void Classifier_model_reproduces_logits_and_probabilities()
    {
        var golden = ProtStGolden.Load("protst-cls-tiny");
        var (directory, proteins, expected) = (golden.Directory, golden.Proteins, golden.Expected);
        using var model = new Converted(directory);
        Assert.Equal(ModelKind.Classifier, model.Manifest.Kind);
        Assert.Equal(["LABEL_0", "LABEL_1"], model.Manifest.Labels);
        Assert.Null(model.Manifest.Text);

        var output = model.Run(proteins, hidden: false);
        Assertions.Close(output.Pooled, expected.Get("protein_mean").ReadFloat32(), Tolerance, "protein_mean");
        using var head = HeadSession.Open(model.Session.Folder, new InferenceOptions { IntraOpThreads = 1 });
        var probabilities = head.Run(output.Pooled, proteins.Length);
        Assertions.Close(probabilities, expected.Get("probabilities").ReadFloat32(), Tolerance, "probabilities");

        var logits = expected.Get("logits").ReadFloat32();
        var predictions = golden.Int64("prediction");
        for (var b = 0; b < proteins.Length; b++)
        {
            var row = probabilities.AsSpan(b * 2, 2);
            Assertions.Close(ZeroShotScorer.Softmax(logits.AsSpan(b * 2, 2)), row, Tolerance, $"softmax of the reference logits, protein {b}");
            Assert.Equal(predictions[b], ZeroShotScorer.ArgMax(row));
        }
    }

    [Fact]
    public void Zero_shot_folder_without_a_text_vocabulary_gets_the_shipped_PubMedBERT_one_and_another_is_warned_about()
    {
        using var temp = new TempDirectory();
        var golden = Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "protst-tiny");
        var source = temp.Combine("protst");
        Directory.CreateDirectory(source);
        foreach (var file in new[] { "config.json", "pytorch_model.bin" })
        {
            File.Copy(Path.Combine(golden, file), Path.Combine(source, file));
        }

        // The hub repository has no vocab.txt: the shipped one is the golden's, byte for byte, and nothing is warned.
        var warnings = new List<string>();
        var manifest = ModelConverter.Convert(source, temp.Combine("out"), new ConvertOptions { Warn = warnings.Add });
        Assert.Equal(ModelKind.ZeroShot, manifest.Kind);
        Assert.Equal(PubMedBertVocabulary.Sha256, manifest.Text!.Vocabulary.Sha256);
        Assert.Equal(File.ReadAllBytes(Path.Combine(golden, "vocab.txt")), File.ReadAllBytes(temp.Combine("out", ModelConverter.TextVocabularyFileName)));
        Assert.Empty(warnings);

        // The abstract-fulltext vocabulary has as many lines but other pieces: converted, with both hashes named.
        var other = temp.Write("fulltext-vocab.txt", string.Concat(File.ReadLines(Path.Combine(golden, "vocab.txt")).Reverse().Select(l => l + "\n")));
        ModelConverter.Convert(source, temp.Combine("other"), new ConvertOptions { TextVocabulary = other, Warn = warnings.Add });
        var warning = Assert.Single(warnings);
        Assert.Contains(PubMedBertVocabulary.Sha256, warning, StringComparison.Ordinal);
        Assert.Contains(FileHash.Sha256(other), warning, StringComparison.Ordinal);
        Assert.Contains(PubMedBertVocabulary.Repository, warning, StringComparison.Ordinal);

        var missing = Assert.Throws<Configuration.ModelConfigException>(() => ModelConverter.Convert(source, temp.Combine("none"), new ConvertOptions { TextVocabulary = temp.Combine("nowhere.txt") }));
        Assert.Contains("nowhere.txt' does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prompt_tokenizer_lowercases_strips_accents_and_splits_punctuation()
    {
        var tokenizer = PromptTokenizer.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "goldens", "protst-tiny", "vocab.txt"));
        Assert.Equal(tokenizer.Encode("cafe region, golgi."), tokenizer.Encode("Café RÉGION, Golgi."));
        Assert.Equal(tokenizer.ClsId, tokenizer.Encode(string.Empty).Single());
        Assert.Equal(tokenizer.Encode("golgi").Length + 1, tokenizer.Encode("golgi.").Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("text_model.text_mlp.out_proj.weight")]
    [InlineData("text_model.bert.encoder.layer.1.output.LayerNorm.bias")]
    [InlineData("logit_scale")]
    public void A_missing_ProtST_tensor_is_named_and_unused_ones_are_ignored(string missing)
    {
        using var temp = new TempDirectory();
        var golden = ProtStGolden.Load("protst-tiny");
        var source = temp.Combine("protst");
        Directory.CreateDirectory(source);
        File.Copy(Path.Combine(golden.Directory, "config.json"), Path.Combine(source, "config.json"));
        File.Copy(Path.Combine(golden.Directory, "vocab.txt"), Path.Combine(source, "vocab.txt"));

        // The same tensors as float32 safetensors, one left out, plus tensors nothing uses (as the published checkpoint has).
        var checkpoint = Model.Checkpoints.HfModelFolder.Open(golden.Directory).ReadCheckpoint();
        var entries = checkpoint.Tensors.Values
            .Where(t => t.Name != missing)
            .Select(t => Model.Checkpoints.SafetensorsWriter.Float32(t.Name, t.Shape, t.ReadFloat32()))
            .Append(Model.Checkpoints.SafetensorsWriter.Float32("protein_model.residue_mlp.dense.weight", [2, 2], [1f, 2f, 3f, 4f]))
            .Append(Model.Checkpoints.SafetensorsWriter.Float32("text_model.word_mlp.dense.bias", [2], [1f, 2f]));
        Model.Checkpoints.SafetensorsWriter.Write(Path.Combine(source, "model.safetensors"), entries);

        if (missing.Length == 0)
        {
            Assert.Equal(ModelKind.ZeroShot, ModelConverter.Convert(source, temp.Combine("out")).Kind);
            return;
        }

        var error = Assert.Throws<Model.Checkpoints.CheckpointFormatException>(() => ModelConverter.Convert(source, temp.Combine("out")));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
