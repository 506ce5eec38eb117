using Orleans.Concurrency;

namespace ProtSt.Grains;

/// <summary>One accelerator of one silo, owning one inference session; runs one batch at a time. Key: <see cref="DeviceKey"/>.</summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    Task<DeviceBatchResult> RunAsync(DeviceBatch batch);

    /// <summary>Embeds prompts with the text tower of a zero-shot model (label prompts once per job, or a search query).</summary>
    Task<TextEmbeddingResult> EmbedTextAsync(TextEmbeddingRequest request);

    /// <summary>Opens the model's sessions now rather than on the first batch (Devices:PreloadModel at silo start).</summary>
    Task PreloadAsync(string modelDirectory);

    [AlwaysInterleave]
    Task<DeviceStats> GetStatsAsync();
}
