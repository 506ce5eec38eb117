namespace ProtSt.Grains.Security;

/// <summary>
/// Confines the folders and files a silo opens (model folders: Security:ModelRoots; job inputs and outputs: Security:DataRoots) to configured roots. Paths are compared after <c>..</c> is collapsed
/// and every symlink on the way is resolved, so neither can lead out of a root.
/// </summary>
public sealed class FolderRoots
{
    // Linux gives up after 40 links (ELOOP); so does this.
    private const int MaxLinks = 40;

    private readonly IReadOnlyList<string> _roots;

    public FolderRoots(IEnumerable<string> roots) =>
        _roots = [.. roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(RealPath)];

    /// <summary>True when roots are configured; otherwise any folder may be opened.</summary>
    public bool Confining => _roots.Count > 0;

    /// <summary>Whether <paramref name="directory"/> (a folder or a file), resolved, is one of the roots or lies under one.</summary>
    public bool Contains(string directory)
    {
        if (!Confining)
        {
            return true;
        }

        var real = RealPath(directory);
        return _roots.Any(root => real == root || real.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    /// <summary>
    /// The path the operating system reaches when it opens <paramref name="path"/> as the silo does (after
    /// <see cref="Path.GetFullPath(string)"/>): each symlink along it replaced by its target, repeatedly.
    /// Components that do not exist are kept as they are.
    /// </summary>
    public static string RealPath(string path)
    {
        var pending = Path.GetFullPath(path);
        for (var links = 0; ; links++)
        {
            var root = Path.GetPathRoot(pending)!;
            var parts = pending[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var current = root;
            string? restart = null;
            for (var i = 0; i < parts.Length && restart is null; i++)
            {
                var next = Path.Combine(current, parts[i]);
                if (new FileInfo(next).LinkTarget is { } target)
                {
                    // A relative target is relative to the link's folder, which is already free of links.
                    restart = Path.GetFullPath(Path.Combine([Path.GetFullPath(target, current), .. parts[(i + 1)..]]));
                }
                else
                {
                    current = next;
                }
            }

            if (restart is null)
            {
                return current;
            }

            if (links == MaxLinks)
            {
                throw new IOException($"Too many levels of symbolic links in '{path}'.");
            }

            pending = restart;
        }
    }
}
