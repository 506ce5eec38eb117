using ProtSt.Model.Folders;
using ProtSt.Model.Tokenization;
using ProtSt.Pipeline;

namespace ProtSt.Grains.Jobs;

/// <summary>Which failures of a job are the user's to fix (one line, no stack trace), and how they cross to a caller on another process.</summary>
public static class JobRefusal
{
    /// <summary>Bad input, a missing or unusable file or folder, a refused request: the message says it all.</summary>
    public static bool IsUsersProblem(Exception e) =>
        e is InvalidInputException or InvalidSequenceException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
            or InvalidDataException or InvalidOperationException or ArgumentException or RequestRefusedException or OutputFolderBusyException
            or ModelFolderException or PathTooLongException || IsOutputUnwritable(e);

    /// <summary>
    /// A write that failed for lack of space (ENOSPC, 28): the user frees space and resumes. Orleans may rebuild an
    /// IOException from another grain without its HResult, so the message is read too.
    /// </summary>
    public static bool IsDiskFull(Exception e) =>
        e is IOException io && ((io.HResult & 0xFFFF) == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A write refused by a device mounted read-only (EROFS, 30), as the kernel leaves a failing disk: the user makes
    /// it writable and resumes. Mode bits do not stop root, so this is the read-only case a silo run as root meets.
    /// </summary>
    public static bool IsReadOnlyDevice(Exception e) =>
        e is IOException io && ((io.HResult & 0xFFFF) == 30 || io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase));

    /// <summary>The output's device took no more writes (full or read-only): retrying the shard elsewhere cannot help.</summary>
    public static bool IsOutputUnwritable(Exception e) => IsDiskFull(e) || IsReadOnlyDevice(e);

    /// <summary>
    /// <paramref name="e"/> as it can reach a client: Orleans rebuilds System exceptions and its own generated ones, but
    /// ProtSt's plain ones would arrive as an opaque fallback (an HTTP 500 with no message), so they travel as refusals.
    /// </summary>
    public static Exception Portable(Exception e) =>
        e is InvalidInputException or InvalidSequenceException or ModelFolderException ? new RequestRefusedException(e.Message) : e;
}
