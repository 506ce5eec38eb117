using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ProtSt.Pipeline;

/// <summary>
/// Tells a regular file from a FIFO, socket or device without opening it: opening a FIFO blocks until someone writes
/// to it, and a device such as /dev/zero opens, seeks and reads forever. .NET exposes no file type, so Linux's statx is asked.
/// </summary>
public static partial class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;
    private const ushort TypeMask = 0xF000;
    private const ushort Regular = 0x8000;

    /// <summary>
    /// The file's size when <paramref name="path"/> (symlinks followed) is a regular file; null when it is something
    /// else, or when this system cannot say (not Linux), in which case callers rely on their other checks.
    /// </summary>
    public static (bool Known, bool IsRegular, long Length) Inspect(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (false, false, 0);
        }

        // struct statx is 256 bytes on every architecture: stx_mode is a u16 at offset 28, stx_size a u64 at 40.
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType | StatxSize, buffer) != 0)
            {
                return (false, false, 0);
            }
        }
        catch (EntryPointNotFoundException)
        {
            return (false, false, 0);
        }

        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        return (true, (mode & TypeMask) == Regular, (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(40)));
    }

    /// <summary>True unless <paramref name="path"/> is known to be something other than a regular file (a FIFO, a socket, a device).</summary>
    public static bool IsRegularOrUnknown(string path) => Inspect(path) is not { Known: true, IsRegular: false };

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);
}
