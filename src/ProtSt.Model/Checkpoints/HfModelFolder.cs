using System.Text.Json;
using ProtSt.Model.Configuration;

namespace ProtSt.Model.Checkpoints;

/// <summary>
/// A Hugging Face model folder: its config.json and whichever weight file layout it uses; or an <c>esm</c>-package
/// folder (ESM C) whose state dict comes without a config.json.
/// </summary>
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

    /// <summary>False for a folder without config.json (its <see cref="Config"/> is then an empty object).</summary>
    public bool HasConfig => File.Exists(ConfigPath);

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
        JsonDocument config;
        try
        {
            // The esm package's ESM C repositories ship a state dict and no config: its shapes describe the model.
            config = File.Exists(configPath) ? JsonDocument.Parse(File.ReadAllBytes(configPath)) : JsonDocument.Parse("{}");
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

        // The esm package keeps ESM C's state dict as data/weights/esmc_*.pth (a torch.save zip like pytorch_model.bin).
        var states = new[] { full, Path.Combine(full, "data", "weights") }
            .Where(System.IO.Directory.Exists)
            .SelectMany(d => System.IO.Directory.GetFiles(d, "*.pth"))
            .ToList();
        if (states.Count == 1)
        {
            return new HfModelFolder(full, config, states[0], WeightsLayout.TorchZip);
        }

        throw new ModelConfigException(states.Count > 1
            ? $"'{directory}' holds several .pth state dicts ({string.Join(", ", states.Select(Path.GetFileName))}); keep the one to convert."
            : $"'{directory}' has no weights: expected model.safetensors, model.safetensors.index.json, pytorch_model.bin or an esm-package .pth state dict.");
    }

    public Checkpoint ReadCheckpoint() => Layout switch
    {
        WeightsLayout.Safetensors => SafetensorsReader.Read(WeightsPath),
        WeightsLayout.ShardedSafetensors => SafetensorsReader.ReadSharded(WeightsPath),
        WeightsLayout.TorchZip => TorchZipCheckpointReader.Read(WeightsPath),
        _ => throw new InvalidOperationException(),
    };
}
