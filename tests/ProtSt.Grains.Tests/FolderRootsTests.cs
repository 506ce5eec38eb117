using ProtSt.Grains.Security;
using ProtSt.Model.Tests.Support;

namespace ProtSt.Grains.Tests;

/// <summary>Path confinement on the file system itself: '..', relative and chained symlinks, a root that is a symlink, look-alike siblings.</summary>
public sealed class FolderRootsTests : IDisposable
{
    private readonly TempDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void Folders_under_a_root_are_inside_and_siblings_that_share_its_prefix_are_not()
    {
        var root = Directory.CreateDirectory(_scratch.Combine("models")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "esm", "v1"));
        Directory.CreateDirectory(_scratch.Combine("models-evil", "esm"));
        var roots = new FolderRoots([root]);

        Assert.True(roots.Contains(root));
        Assert.True(roots.Contains(Path.Combine(root, "esm", "v1")));
        Assert.True(roots.Contains(Path.Combine(root, "esm", "..", "esm", "v1")));
        Assert.False(roots.Contains(_scratch.Combine("models-evil", "esm")));
        Assert.False(roots.Contains(Path.Combine(root, "..", "models-evil", "esm")));
        Assert.False(roots.Contains(_scratch.Path));
    }

    [Fact]
    public void Symlinks_are_followed_wherever_they_are_on_the_path()
    {
        var root = Directory.CreateDirectory(_scratch.Combine("models")).FullName;
        var outside = Directory.CreateDirectory(_scratch.Combine("outside", "model")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "real"));

        // A relative link out, a link to it (a chain), a link to a folder above the model, and a link that stays inside.
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), Path.Combine("..", "outside", "model"));
        Directory.CreateSymbolicLink(Path.Combine(root, "chain"), Path.Combine(root, "out"));
        Directory.CreateSymbolicLink(Path.Combine(root, "up"), _scratch.Combine("outside"));
        Directory.CreateSymbolicLink(Path.Combine(root, "in"), Path.Combine(root, "real"));
        var roots = new FolderRoots([root]);

        Assert.Equal(outside, FolderRoots.RealPath(Path.Combine(root, "chain")));
        Assert.False(roots.Contains(Path.Combine(root, "out")));
        Assert.False(roots.Contains(Path.Combine(root, "chain")));
        Assert.False(roots.Contains(Path.Combine(root, "up", "model")));
        Assert.True(roots.Contains(Path.Combine(root, "in")));
    }

    [Fact]
    public void A_root_that_is_itself_a_symlink_confines_to_its_target()
    {
        var target = Directory.CreateDirectory(_scratch.Combine("store")).FullName;
        Directory.CreateDirectory(Path.Combine(target, "model"));
        var link = _scratch.Combine("models");
        Directory.CreateSymbolicLink(link, target);
        var roots = new FolderRoots([link]);

        Assert.True(roots.Contains(Path.Combine(link, "model")));
        Assert.True(roots.Contains(Path.Combine(target, "model")));
        Assert.False(roots.Contains(_scratch.Path));
    }

    [Fact]
    public void A_symlink_loop_is_an_error_not_a_hang()
    {
        var root = Directory.CreateDirectory(_scratch.Combine("models")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, "a"), Path.Combine(root, "b"));
        Directory.CreateSymbolicLink(Path.Combine(root, "b"), Path.Combine(root, "a"));

        Assert.Throws<IOException>(() => new FolderRoots([root]).Contains(Path.Combine(root, "a")));
    }

    [Fact]
    public void Without_roots_every_folder_is_allowed()
    {
        var roots = new FolderRoots([]);
        Assert.False(roots.Confining);
        Assert.True(roots.Contains(_scratch.Path));
    }
}
