using ProtSt.Model.Folders;

namespace ProtSt.Grains.Jobs;

/// <summary>
/// Checks a job's <see cref="Extraction"/> against its model when the job is submitted, so a layer the model does not
/// have or contacts from a model without a contact head are refused in one line before any work starts.
/// </summary>
public static class ExtractionCheck
{
    /// <summary>The job's extraction numbered for <paramref name="folder"/>'s model, or null when it asks for nothing beyond the mean embedding.</summary>
    public static Extraction? Resolve(JobSpec spec, ModelFolder folder)
    {
        var extraction = spec.Extract;
        if (extraction is null)
        {
            return null;
        }

        Extraction resolved;
        try
        {
            resolved = extraction.Resolve(folder.Manifest.NumLayers);
        }
        catch (ArgumentException e)
        {
            throw new RequestRefusedException($"--layers: {e.Message}", e);
        }

        try
        {
            folder.CheckOutputs(resolved.Outputs(windowed: true));
        }
        catch (UnsupportedOutputException e)
        {
            throw new RequestRefusedException($"--include/--layers: {e.Message}", e);
        }

        if (resolved.Long == LongProteins.Window && folder.Manifest.Kind != ModelKind.Encoder && spec.Task != JobChoices.Embed)
        {
            throw new RequestRefusedException(
                $"--long window gives embeddings only (a model's head would see one window, not the protein); '{folder.Directory}' is a {folder.Manifest.Kind} model: add --task embed, or use --long truncate.");
        }

        return resolved;
    }
}
