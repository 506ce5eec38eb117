using ProtSt.Model.Demo;
using ProtSt.Model.Folders;
using Spectre.Console;

namespace ProtSt.Cli.Commands;

/// <summary>The model a command runs: the one named, or the built-in demo model, with a warning when it is untrained.</summary>
internal static class ModelChoice
{
    /// <summary>
    /// Returns the model folder's path after opening its manifest. A caller that opens a session right after passes
    /// <paramref name="verifyHashes"/> false, since the session verifies the files itself.
    /// </summary>
    public static string Resolve(string? model, bool verifyHashes)
    {
        var directory = model ?? EnsureDemoModel();
        if (ModelFolder.Open(directory, verifyHashes).Manifest.Untrained)
        {
            Console.Error.WriteLine("warning: this model is the UNTRAINED demo model: its embeddings carry no biological meaning.");
        }

        return directory;
    }

    private static string EnsureDemoModel()
    {
        // The line is for the run that generates the model; later runs find it in the cache and say nothing.
        if (DemoModel.Find() is { } cached)
        {
            return cached;
        }

        string? path = null;
        CommandErrors.Status.Status().Start("preparing the built-in demo model (first run only)...", _ => path = DemoModel.Ensure());
        return path!;
    }
}
