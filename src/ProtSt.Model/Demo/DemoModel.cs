using System.Globalization;
using ProtSt.Model.Folders;

namespace ProtSt.Model.Demo;

/// <summary>The built-in demo model, generated and converted on first use into a cache folder and reused after.</summary>
public static class DemoModel
{
    /// <summary>The default cache root: <c>$PROTST_HOME</c>, else <c>~/.cache/protst</c>.</summary>
    public static string DefaultCacheRoot =>
        Environment.GetEnvironmentVariable("PROTST_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "protst");

    /// <summary>The converted demo model folder if an earlier run generated it, else null.</summary>
    public static string? Find(string? cacheRoot = null, DemoModelSpec? spec = null)
    {
        var target = Target(cacheRoot, spec ?? DemoModelSpec.Default);
        return File.Exists(Path.Combine(target, ModelManifest.FileName)) ? target : null;
    }

    /// <summary>Returns the converted demo model folder, creating it if needed. Safe when several processes race.</summary>
    public static string Ensure(string? cacheRoot = null, DemoModelSpec? spec = null)
    {
        spec ??= DemoModelSpec.Default;
        if (Find(cacheRoot, spec) is { } found)
        {
            return found;
        }

        var target = Target(cacheRoot, spec);

        // Build beside the target and rename into place, so a half-written model is never seen under the final name.
        var staging = target + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            if (spec.EsmC)
            {
                EsmCDemoCheckpoint.Write(Path.Combine(staging, "checkpoint"), spec);
            }
            else
            {
                DemoCheckpoint.Write(Path.Combine(staging, "checkpoint"), spec);
            }

            ModelConverter.Convert(Path.Combine(staging, "checkpoint"), Path.Combine(staging, "model"));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                Directory.Move(Path.Combine(staging, "model"), target);
            }
            catch (IOException) when (File.Exists(Path.Combine(target, ModelManifest.FileName)))
            {
                // Another process finished first; its copy is identical.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return target;
    }

    // "-x2": folders cached before the extraction graph existed lack extract.onnx, and those cached before the contacts
    // graph split from it have a plain one; a new name converts them again.
    private static string Target(string? cacheRoot, DemoModelSpec spec) =>
        Path.Combine(
            cacheRoot ?? DefaultCacheRoot,
            string.Create(CultureInfo.InvariantCulture, $"demo-{(spec.EsmC ? "esmc" : "esm2")}-{spec.Layers}x{spec.HiddenSize}h{spec.Heads}-s{spec.Seed}-v{ModelConverter.Version}-x2"));
}
