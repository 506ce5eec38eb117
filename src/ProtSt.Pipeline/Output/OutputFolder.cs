namespace ProtSt.Pipeline;

/// <summary>Creates the folder a command writes into, refusing with a one-line reason when a file stands in its way.</summary>
public static class OutputFolder
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="directory"/> or one of its parents is an existing
    /// file (the OS would only say "already exists"); commands call it before starting work, so the mistake costs nothing.
    /// </summary>
    public static void Check(string directory)
    {
        for (var path = Path.GetFullPath(directory); path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                throw new ArgumentException(path == Path.GetFullPath(directory)
                    ? $"the output '{directory}' is a file; give a folder (created if missing)."
                    : $"the output folder '{directory}' cannot be created: '{path}' is a file.");
            }
        }
    }

    /// <summary>Checks <paramref name="directory"/> as <see cref="Check"/> does, then creates it (and its parents) if missing.</summary>
    public static void Create(string directory)
    {
        Check(directory);
        Directory.CreateDirectory(directory);
    }
}
