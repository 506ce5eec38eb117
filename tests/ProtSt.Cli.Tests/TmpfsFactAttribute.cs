namespace ProtSt.Cli.Tests;

/// <summary>A test that mounts a small tmpfs to fill a device; skipped, with the reason, where mounting is not allowed (not root).</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "mounting a tmpfs needs Linux and root";
        }
    }
}
