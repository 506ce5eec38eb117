using System.IO.Compression;

namespace ProtSt.Pipeline;

/// <summary>Opens input streams the same way for every reader: gzip by magic bytes, not by file name.</summary>
internal static class InputStreams
{
    /// <summary>
    /// Returns <paramref name="stream"/>, decompressed when it starts with the gzip magic bytes. The result never
    /// disposes <paramref name="stream"/>; a corrupt or truncated gzip stream surfaces as <see cref="InvalidDataException"/>.
    /// </summary>
    public static async Task<Stream> OpenAsync(Stream stream, CancellationToken cancellationToken)
    {
        // Never disposed: disposing a BufferedStream disposes the caller's stream, and it holds only managed memory.
        var buffered = new BufferedStream(stream, 1 << 16);
        var magic = new byte[2];
        var read = await buffered.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken);

        // Put the sniffed bytes back in front, which works for pipes as well as files.
        var rest = new PrefixedStream(magic.AsMemory(0, read), buffered);
        if (read < 2 || magic[0] != 0x1F || magic[1] != 0x8B)
        {
            return rest;
        }

        var gzip = new GZipStream(rest, CompressionMode.Decompress);

        // Only a seekable file has a tail to check; a pipe is decompressed as it comes.
        return stream.CanSeek ? new GzipTrailerCheckStream(gzip, stream) : gzip;
    }

    /// <summary>
    /// The first character that cannot appear in a text input (NUL and every other control character but tab, CR
    /// and LF), or null.
    /// </summary>
    public static char? FindControlCharacter(ReadOnlySpan<char> line)
    {
        foreach (var c in line)
        {
            if (char.IsControl(c) && c is not ('\t' or '\r' or '\n'))
            {
                return c;
            }
        }

        return null;
    }
}
