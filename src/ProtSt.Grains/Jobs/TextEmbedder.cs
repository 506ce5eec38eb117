namespace ProtSt.Grains.Jobs;

/// <summary>
/// Embeds prompts with a zero-shot model's text tower on any device of the cluster (label prompts once per job, or a
/// search query), trying the next device when one fails or does not answer in time (its silo may have died).
/// </summary>
public static class TextEmbedder
{
    public static async Task<TextEmbeddingResult> EmbedAsync(IGrainFactory grains, string modelDirectory, IReadOnlyList<string> prompts, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        var devices = await grains.GetGrain<IDeviceDirectoryGrain>(0).GetDevicesAsync().WaitAsync(callTimeout, cancellationToken);
        if (devices.Count == 0)
        {
            throw new InvalidOperationException("No devices are registered in the cluster; start a silo with at least one device.");
        }

        var request = new TextEmbeddingRequest(Path.GetFullPath(modelDirectory), prompts);
        var failures = new List<string>();
        foreach (var device in devices.OrderBy(_ => Random.Shared.Next()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await grains.GetGrain<IDeviceGrain>(device).EmbedTextAsync(request).WaitAsync(callTimeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException and not RequestRefusedException && !IsModelError(e))
            {
                failures.Add($"{device}: {e.Message}");
            }
        }

        throw new InvalidOperationException($"No device could embed the prompts: {string.Join("; ", failures)}");
    }

    /// <summary>Embeds a zero-shot job's label prompts and pairs them with the model's temperature.</summary>
    public static async Task<LabelScoring> EmbedLabelsAsync(IGrainFactory grains, string modelDirectory, IReadOnlyList<string> prompts, double logitScale, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        var result = await EmbedAsync(grains, modelDirectory, prompts, callTimeout, cancellationToken);
        return new LabelScoring(result.Features, result.Count, result.Width, logitScale);
    }

    // A model without a text tower fails the same way on every device: report it at once.
    private static bool IsModelError(Exception e) => e is Model.Folders.ModelFolderException;
}
