using System.Globalization;
using System.Text.Json;
using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;
using ProtSt.Model.Folders;
using ProtSt.Model.Onnx;

namespace ProtSt.Training;

/// <summary>
/// Writes and reads a classifier head as a Hugging Face folder: <c>model.safetensors</c> holding exactly the four
/// <c>classifier.*</c> float32 tensors, and a <c>config.json</c> with hidden size, labels and the ProtST architecture.
/// </summary>
/// <remarks>
/// Synchronous like the checkpoint readers and writer it reuses; a head is a few megabytes (h = 1280: 6.6 MB).
/// </remarks>
public static class ClassifierHeadFile
{
    public const string WeightsFileName = "model.safetensors";
    public const string ConfigFileName = "config.json";
    public const string Architecture = "ProtSTForProteinPropertyPrediction";

    private const string ClassifierPrefix = "classifier.";

    /// <summary>Writes <paramref name="head"/> into <paramref name="directory"/> (created if needed); labels default to <c>LABEL_i</c> as in transformers.</summary>
    public static void Write(string directory, ClassifierHead head, IReadOnlyList<string>? labels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(head);
        var names = labels ?? [.. Enumerable.Range(0, head.NumLabels).Select(i => $"LABEL_{i}")];
        if (names.Count != head.NumLabels)
        {
            throw new ArgumentException($"{names.Count} label names for a head with {head.NumLabels} outputs.", nameof(labels));
        }

        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new ArgumentException($"Label names must be distinct for label2id, got [{string.Join(", ", names)}].", nameof(labels));
        }

        Directory.CreateDirectory(directory);
        int h = head.HiddenSize, c = head.NumLabels;
        SafetensorsWriter.Write(
            Path.Combine(directory, WeightsFileName),
            [
                SafetensorsWriter.Float32(ClassifierHead.DenseWeightName, [h, h], head.DenseWeight),
                SafetensorsWriter.Float32(ClassifierHead.DenseBiasName, [h], head.DenseBias),
                SafetensorsWriter.Float32(ClassifierHead.OutProjWeightName, [c, h], head.OutProjWeight),
                SafetensorsWriter.Float32(ClassifierHead.OutProjBiasName, [c], head.OutProjBias),
            ],
            new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllBytes(Path.Combine(directory, ConfigFileName), Config(h, names));
    }

    /// <summary>
    /// Reads the head from a Hugging Face folder: one written by <see cref="Write"/>, or a whole fine-tuned ProtST
    /// checkpoint (its encoder tensors are ignored). Every <c>classifier.*</c> tensor is checked against config.json.
    /// </summary>
    public static LabelledHead Read(string directory)
    {
        var folder = HfModelFolder.Open(directory);
        if (!folder.HasConfig)
        {
            throw new ModelConfigException($"'{directory}' has no config.json; a classifier head folder names its width and labels there.");
        }

        var (hidden, labels) = ParseConfig(folder.Config.RootElement, folder.ConfigPath);
        var checkpoint = folder.ReadCheckpoint();
        var source = folder.WeightsPath;
        var head = new ClassifierHead(
            Tensor(checkpoint, source, ClassifierHead.DenseWeightName, [hidden, hidden]),
            Tensor(checkpoint, source, ClassifierHead.DenseBiasName, [hidden]),
            Tensor(checkpoint, source, ClassifierHead.OutProjWeightName, [labels.Count, hidden]),
            Tensor(checkpoint, source, ClassifierHead.OutProjBiasName, [labels.Count]));
        return new LabelledHead(head, labels);
    }

    /// <summary>
    /// Reads the head a converted classifier folder serves (its head graph, with the manifest's labels): a converted
    /// ProtSTForProteinPropertyPrediction checkpoint or a fine-tuned folder, as the starting point of further training.
    /// </summary>
    public static LabelledHead Read(ModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (folder.Manifest.Kind != ModelKind.Classifier || folder.HeadPath is not { } path || folder.Manifest.Labels is not { } labels)
        {
            throw new ModelFolderException($"'{folder.Directory}' is a {folder.Manifest.Kind} model, not a classifier; it has no classifier head to start from.");
        }

        var checkpoint = HeadGraphReader.Read(path, ClassifierPrefix);
        int hidden = folder.Manifest.HiddenSize, classes = labels.Count;
        var head = new ClassifierHead(
            Tensor(checkpoint, path, ClassifierHead.DenseWeightName, [hidden, hidden]),
            Tensor(checkpoint, path, ClassifierHead.DenseBiasName, [hidden]),
            Tensor(checkpoint, path, ClassifierHead.OutProjWeightName, [classes, hidden]),
            Tensor(checkpoint, path, ClassifierHead.OutProjBiasName, [classes]));
        return new LabelledHead(head, labels);
    }

    private static byte[] Config(int hidden, IReadOnlyList<string> labels)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue(Architecture);
            json.WriteEndArray();
            json.WriteString("model_type", "protst");
            json.WriteString("problem_type", "single_label_classification");
            json.WriteNumber("hidden_size", hidden);
            json.WriteNumber("num_labels", labels.Count);
            json.WriteStartObject("id2label");
            for (var i = 0; i < labels.Count; i++)
            {
                json.WriteString(i.ToString(CultureInfo.InvariantCulture), labels[i]);
            }

            json.WriteEndObject();
            json.WriteStartObject("label2id");
            for (var i = 0; i < labels.Count; i++)
            {
                json.WriteNumber(labels[i], i);
            }

            json.WriteEndObject();
            json.WriteString("torch_dtype", "float32");
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static (int Hidden, IReadOnlyList<string> Labels) ParseConfig(JsonElement config, string source)
    {
        // A whole ProtST checkpoint keeps the encoder's width under protein_config; a head-only folder at the top.
        var hidden = Int(config, "hidden_size", source)
            ?? (config.TryGetProperty("protein_config", out var protein) ? Int(protein, "hidden_size", source) : null)
            ?? throw new ModelConfigException($"{source}: no 'hidden_size' (nor 'protein_config.hidden_size') to check the head's shapes against.");
        var labels = Labels(config, source);
        var count = Int(config, "num_labels", source);
        if (labels is null && count is null)
        {
            throw new ModelConfigException($"{source}: neither 'num_labels' nor 'id2label' says how many classes the head predicts.");
        }

        if (labels is not null && count is not null && labels.Length != count)
        {
            throw new ModelConfigException($"{source}: 'num_labels' is {count} but 'id2label' names {labels.Length} classes.");
        }

        if (hidden < 1 || (count ?? labels!.Length) < 1)
        {
            throw new ModelConfigException($"{source}: hidden_size {hidden} and num_labels {count ?? labels!.Length} must be positive.");
        }

        return (hidden, labels ?? [.. Enumerable.Range(0, count!.Value).Select(i => $"LABEL_{i}")]);
    }

    private static int? Int(JsonElement json, string name, string source)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result)
            ? result
            : throw new ModelConfigException($"{source}: '{name}' must be an integer, found {value.GetRawText()}.");
    }

    private static string[]? Labels(JsonElement config, string source)
    {
        if (!config.TryGetProperty("id2label", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var entries = map.EnumerateObject().ToList();
        var labels = new string?[entries.Count];
        foreach (var entry in entries)
        {
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= labels.Length || labels[index] is not null)
            {
                throw new ModelConfigException($"{source}: 'id2label' keys must be the distinct indices 0..{labels.Length - 1}, found '{entry.Name}'.");
            }

            labels[index] = entry.Value.ValueKind == JsonValueKind.String
                ? entry.Value.GetString()!
                : throw new ModelConfigException($"{source}: 'id2label' entry '{entry.Name}' must be a string, found {entry.Value.GetRawText()}.");
        }

        return labels!;
    }

    private static float[] Tensor(Checkpoint checkpoint, string source, string name, long[] expected)
    {
        if (!checkpoint.Tensors.TryGetValue(name, out var tensor))
        {
            throw new CheckpointFormatException($"{source}: tensor '{name}' is missing; a ProtST classifier head needs {string.Join(", ", TensorNames)}.");
        }

        if (!tensor.Shape.SequenceEqual(expected))
        {
            throw new CheckpointFormatException(
                $"{source}: tensor '{name}' has shape {tensor.ShapeText} but config.json implies [{string.Join(", ", expected)}].");
        }

        return tensor.ReadFloat32();
    }

    private static IEnumerable<string> TensorNames =>
        [ClassifierHead.DenseWeightName, ClassifierHead.DenseBiasName, ClassifierHead.OutProjWeightName, ClassifierHead.OutProjBiasName];
}
