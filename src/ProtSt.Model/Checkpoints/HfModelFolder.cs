using System.Text.Json;
using ProtSt.Model.Configuration;

namespace ProtSt.Model.Checkpoints;

/// <summary>A Hugging Face model folder: its config.json and whichever weight file layout it uses.</summary>
public sealed class HfModelFolder
{
    private HfModelFolder(string directory, JsonDocument config, string weightsPath, WeightsLayout layout)
    {
        Directory = directory;
        Config = config;
        WeightsPath = weightsPath;
        Layout = layout;
    }

    /// <summary>The weight file layouts we read, in the order we prefer them.</summary>
    public enum WeightsLayout
    {
        Safetensors,
        ShardedSafetensors,
        TorchZip,
    }

    public string Directory { get; }

    public JsonDocument Config { get; }

    public string ConfigPath => Path.Combine(Directory, "config.json");

    public string WeightsPath { get; }

    public WeightsLayout Layout { get; }

    public static HfModelFolder Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new ModelConfigException($"Model folder '{directory}' does not exist.");
        }

        var configPath = Path.Combine(full, "config.json");
        if (!File.Exists(configPath))
        {
            throw new ModelConfigException($"'{directory}' has no config.json; expected a Hugging Face model folder.");
        }

        JsonDocument config;
        try
        {
            config = JsonDocument.Parse(File.ReadAllBytes(configPath));
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{configPath}: not valid JSON ({e.Message}).", e);
        }

        (string File, WeightsLayout Layout)[] candidates =
        [
            ("model.safetensors", WeightsLayout.Safetensors),
            ("model.safetensors.index.json", WeightsLayout.ShardedSafetensors),
            ("pytorch_model.bin", WeightsLayout.TorchZip),
        ];
        foreach (var (file, layout) in candidates)
        {
            var path = Path.Combine(full, file);
            if (File.Exists(path))
            {
                return new HfModelFolder(full, config, path, layout);
            }
        }

        throw new ModelConfigException(
            $"'{directory}' has no weights: expected model.safetensors, model.safetensors.index.json or pytorch_model.bin.");
    }

    public Checkpoint ReadCheckpoint() => Layout switch
    {
        WeightsLayout.Safetensors => SafetensorsReader.Read(WeightsPath),
        WeightsLayout.ShardedSafetensors => SafetensorsReader.ReadSharded(WeightsPath),
        WeightsLayout.TorchZip => TorchZipCheckpointReader.Read(WeightsPath),
        _ => throw new InvalidOperationException(),
    };
}
